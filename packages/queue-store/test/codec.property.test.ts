import { STAGE_LEGALITY, STAGE_NAMES, type WorkDocumentInput } from "@millrace/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateWorkDocument } from "../src/codec/render.js";
import { parseWorkDocument, renderWorkDocument } from "../src/index.js";

const idChar = fc.constantFrom(
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-".split(""),
);
const id = fc
  .tuple(
    fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789".split("")),
    fc.array(idChar, { maxLength: 20 }),
  )
  .map(([head, tail]) => head + tail.join(""))
  .filter((value) => !value.includes(".."));

// Single-line text: any printable characters (including ':' '#' '-' and non-ASCII), trimmed, non-empty.
const textChar = fc.oneof(
  fc.constantFrom(..."abc XYZ 019 :#-*_`'\"/\\.,;()[]{}<>=+!?é中🙂\t".split("")),
  fc.string({ minLength: 1, maxLength: 1, unit: "grapheme" }),
);
const line = fc
  .array(textChar, { minLength: 1, maxLength: 40 })
  .map((chars) =>
    chars
      .join("")
      .replace(/[\r\n\u2028\u2029\u0085\v\f]/g, " ")
      .trim(),
  )
  .filter((value) => value.length > 0);
const lines = (min = 0) => fc.array(line, { minLength: min, maxLength: 4 });
const timestamp = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true })
  .map((date) => date.toISOString().replace(".000Z", "Z"));
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const header = /^[A-Za-z][A-Za-z0-9-]*:/;
const body = fc
  .array(
    fc.oneof(
      line,
      fc.constant(""),
      line.map((value) => `Summary: ${value}`),
      line.map((v) => `- ${v}`),
    ),
    {
      minLength: 1,
      maxLength: 6,
    },
  )
  .map((parts) => parts.join("\n"))
  .filter((value) => {
    const first =
      value
        .replace(/^(?:[ \t]*\n)+/, "")
        .split("\n", 1)[0]
        ?.trim() ?? "";
    return first !== "" && !header.test(first) && !first.startsWith("- ") && first !== "-";
  });

const rootIntakeKind = fc.constantFrom("idea", "probe", "manual", "incident", "derived_spec");

const task = fc.record(
  {
    kind: fc.constant("task" as const),
    task_id: id,
    title: line,
    summary: opt(line),
    root_idea_id: opt(id),
    root_spec_id: opt(id),
    root_intake_kind: opt(rootIntakeKind),
    root_intake_id: opt(id),
    spec_id: opt(id),
    parent_task_id: opt(id),
    incident_id: opt(id),
    target_paths: lines(1),
    acceptance: lines(1),
    required_checks: lines(1),
    references: lines(1),
    risk: lines(1),
    depends_on: fc.array(id, { maxLength: 3 }),
    blocks: fc.array(id, { maxLength: 3 }),
    tags: lines(),
    status_hint: opt(fc.constantFrom("queued", "active", "blocked", "done")),
    created_at: timestamp,
    created_by: line,
    updated_at: opt(timestamp),
    body: opt(body),
  },
  {
    requiredKeys: [
      "kind",
      "task_id",
      "title",
      "target_paths",
      "acceptance",
      "required_checks",
      "references",
      "risk",
      "created_at",
      "created_by",
    ],
  },
);

const spec = fc.record({
  kind: fc.constant("spec" as const),
  spec_id: id,
  title: line,
  summary: line,
  source_type: fc.constantFrom("idea", "incident", "manual", "derived_spec", "probe"),
  source_id: opt(id),
  parent_spec_id: opt(id),
  root_idea_id: opt(id),
  root_spec_id: opt(id),
  goals: lines(1),
  non_goals: lines(),
  scope: lines(),
  constraints: lines(1),
  assumptions: lines(),
  risks: lines(),
  target_paths: lines(),
  entrypoints: lines(),
  required_skills: lines(),
  decomposition_hints: lines(),
  acceptance: lines(1),
  references: lines(1),
  created_at: timestamp,
  created_by: line,
  updated_at: opt(timestamp),
  body: opt(body),
});

const stage = fc.constantFrom(
  ...STAGE_LEGALITY.filter((entry) => (STAGE_NAMES as readonly string[]).includes(entry.stageKindId)),
);
const incident = fc
  .record({
    incident_id: id,
    title: line,
    summary: line,
    root_spec_id: opt(id),
    source_task_id: opt(id),
    source_spec_id: opt(id),
    stage,
    failure_class: line,
    severity: fc.constantFrom("low", "medium", "high", "critical"),
    needs_planning: fc.boolean(),
    trigger_reason: line,
    observed_symptoms: lines(),
    failed_attempts: lines(),
    consultant_decision: fc.constantFrom("needs_planning", "blocked"),
    evidence_paths: lines(),
    related_run_ids: lines(),
    related_stage_results: lines(),
    references: lines(),
    opened_at: timestamp,
    opened_by: line,
    body: opt(body),
  })
  .map(({ stage: s, ...rest }) => ({
    ...rest,
    kind: "incident" as const,
    source_stage: s.stageKindId,
    source_plane: s.plane,
  }));

const learning = fc.record({
  kind: fc.constant("learning_request" as const),
  learning_request_id: id,
  title: line,
  summary: opt(line),
  requested_action: fc.constantFrom("create", "improve", "promote", "export", "install"),
  target_skill_id: opt(id),
  target_stage: opt(fc.constantFrom("analyst", "professor", "curator", "librarian")),
  trigger_metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
  source_refs: lines(),
  originating_run_ids: fc.array(id, { maxLength: 3 }),
  artifact_paths: lines(),
  created_at: timestamp,
  created_by: line,
  body: opt(body),
});

const probe = fc.record({
  kind: fc.constant("probe" as const),
  probe_id: id,
  title: line,
  summary: line,
  request: line,
  target_paths: lines(),
  constraints: lines(),
  acceptance: lines(),
  risk_notes: lines(),
  references: lines(),
  tags: lines(),
  created_at: timestamp,
  created_by: line,
  body: opt(body),
});

const blueprintDraft = fc.record({
  kind: fc.constant("blueprint_draft" as const),
  draft_id: id,
  title: line,
  summary: line,
  manifest_id: opt(id),
  draft_index: fc.integer({ min: 1, max: 9999 }),
  source_kind: fc.constantFrom("spec", "incident", "blueprint_draft"),
  source_id: id,
  source_spec_id: opt(id),
  root_idea_id: opt(id),
  root_spec_id: opt(id),
  root_intake_kind: opt(rootIntakeKind),
  root_intake_id: opt(id),
  context_excerpt: opt(fc.oneof(line, fc.constant(""))),
  target_paths: lines(1),
  acceptance_intent: lines(1),
  depends_on_draft_ids: fc.array(id, { maxLength: 3 }),
  references: lines(),
  created_at: timestamp,
  created_by: line,
  body: opt(body),
});

const anyDocument = fc.oneof(
  task,
  spec,
  incident,
  learning,
  probe,
  blueprintDraft,
) as fc.Arbitrary<WorkDocumentInput>;

function stripUndefined(value: object): object {
  return JSON.parse(JSON.stringify(value));
}

describe("render → parse → render", () => {
  it("is the identity for generated documents of every kind", () => {
    fc.assert(
      fc.property(anyDocument, (input) => {
        const rendered = renderWorkDocument(input);
        const parsed = parseWorkDocument(rendered);
        expect(renderWorkDocument(parsed)).toBe(rendered);
        expect(stripUndefined(parsed)).toEqual(stripUndefined(validateWorkDocument(input)));
      }),
      { numRuns: 1500 },
    );
  });
});
