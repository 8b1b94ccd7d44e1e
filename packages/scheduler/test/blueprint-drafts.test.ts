import { describe, expect, it } from "vitest";
import {
  checkManifest,
  type DraftSource,
  MAX_DRAFTS,
  parseBlueprintDrafts,
} from "../src/apply/blueprint/drafts-file.js";

const source: DraftSource = {
  kind: "spec",
  id: "spec-a",
  lineage: { root_spec_id: "spec-a", root_idea_id: "idea-a", source_spec_id: "spec-a" },
  references: ["millrace-agents/specs/done/spec-a.md"],
  now: new Date("2026-05-01T10:00:00Z"),
};

function draft(index: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    draft_id: `draft-${index}`,
    draft_index: index,
    title: `Part ${index}`,
    summary: `Build part ${index}`,
    target_paths: [`src/part${index}.ts`],
    acceptance_intent: [`part ${index} works`],
    ...extra,
  };
}

const parse = (value: unknown) => parseBlueprintDrafts(JSON.stringify(value), source);

function refusal(value: unknown): string {
  try {
    parse(value);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("blueprint drafts file", () => {
  it("stamps the source, its lineage and an increasing time on valid drafts", () => {
    const drafts = parse([draft(1), draft(2, { depends_on_draft_ids: ["draft-1"] })]);
    expect(drafts.map((d) => [d.draft_id, d.created_at])).toEqual([
      ["draft-1", "2026-05-01T10:00:00.000Z"],
      ["draft-2", "2026-05-01T10:00:00.001Z"],
    ]);
    expect(drafts[1]).toMatchObject({
      kind: "blueprint_draft",
      source_kind: "spec",
      source_id: "spec-a",
      root_spec_id: "spec-a",
      root_idea_id: "idea-a",
      created_by: "manager_blueprint",
      references: ["millrace-agents/specs/done/spec-a.md"],
    });
  });

  it.each([
    ["not JSON", "{", /blueprint_drafts.json is not valid JSON/],
    ["an object, not an array", { drafts: [] }, /must hold a JSON array/],
    ["an empty list", [], /lists no drafts/],
    [
      "a missing field",
      [{ ...draft(1), acceptance_intent: undefined }],
      /draft 1 \(draft-1\): acceptance_intent is required but missing/,
    ],
    [
      "a missing title",
      [{ ...draft(1), title: undefined }],
      /draft 1 \(draft-1\): title is required but missing/,
    ],
    [
      "a traversal id",
      [draft(1, { draft_id: "../../tasks/queue/x" })],
      /draft 1: draft_id "..\/..\/tasks\/queue\/x" is not a safe id/,
    ],
    ["an unknown field", [draft(1, { task_id: "t" })], /"task_id" is not a draft field/],
    [
      "a repeated id",
      [draft(1), draft(2, { draft_id: "draft-1" })],
      /draft 2 \(draft-1\): draft_id repeats draft 1/,
    ],
    ["an index gap", [draft(1), draft(3)], /draft_index is 3; drafts must count 1, 2, 3/],
    [
      "a later dependency",
      [draft(1, { depends_on_draft_ids: ["draft-2"] }), draft(2)],
      /depends on draft-2, which is not an earlier draft/,
    ],
    [
      "a foreign root",
      [draft(1, { root_spec_id: "spec-other" })],
      /root_spec_id is "spec-other", but the source's lineage says spec-a/,
    ],
    ["a multi-line title", [draft(1, { title: "a\nb" })], /title must be a single line/],
    ["another kind", [draft(1, { kind: "task" })], /kind must be blueprint_draft/],
  ])("refuses %s with a reason", (_name, value, reason) => {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    let message = "";
    try {
      parseBlueprintDrafts(text, source);
    } catch (error) {
      message = (error as Error).message;
      expect((error as { details?: Record<string, unknown> }).details?.runtime_error_code).toBe(
        "blueprint_effect_invalid",
      );
    }
    expect(message).toMatch(/^blueprint drafts refused: /);
    expect(message).toMatch(reason);
  });

  it("refuses more than the draft limit", () => {
    const many = Array.from({ length: MAX_DRAFTS + 1 }, (_, index) => draft(index + 1));
    expect(refusal(many)).toMatch(new RegExp(`lists ${MAX_DRAFTS + 1} drafts; at most ${MAX_DRAFTS}`));
  });

  it("checks the manifest against the drafts", () => {
    const drafts = parse([draft(1, { manifest_id: "m-1" }), draft(2, { manifest_id: "m-1" })]);
    expect(checkManifest(undefined, drafts)).toBe("m-1");
    expect(
      checkManifest(JSON.stringify({ manifest_id: "m-1", draft_ids: ["draft-1", "draft-2"] }), drafts),
    ).toBe("m-1");
    expect(() =>
      checkManifest(JSON.stringify({ manifest_id: "m-1", draft_ids: ["draft-2", "draft-1"] }), drafts),
    ).toThrow(/draft_ids must list draft-1, draft-2 in that order/);
    expect(() => checkManifest(JSON.stringify({ manifest_id: "m-2", draft_ids: [] }), drafts)).toThrow(
      /the drafts name manifest m-1, but blueprint_manifest.json is m-2/,
    );
    expect(() => checkManifest("[", drafts)).toThrow(/blueprint_manifest.json is not valid JSON/);
  });
});
