import { z } from "zod";
import type { DocumentKind } from "./enums.js";
import { PlaneSchema } from "./enums.js";
import { SafeIdSchema } from "./ids.js";
import { lazySchema } from "./lazy-schema.js";
import { planeOfStage, StageNameSchema } from "./legality.js";
import { formatTimestamp, TimestampSchema } from "./time.js";

/**
 * Work documents: the markdown files in the queue folders (tasks, specs, incidents, learning
 * requests and probes). The schemas below are the typed view; the markdown grammar lives in
 * @millrace/queue-store. Every document is a strict object (unknown keys are rejected, like the
 * reference) and every id is a safe id, so it can name a file.
 */

const hasLineBreak = (value: string) => /[\r\n]/.test(value);

/** One trimmed, non-empty line of text: a title, a scalar field or a list item. */
export const DocumentLineSchema = lazySchema(() =>
  z
    .string()
    .transform((value) => value.trim())
    .pipe(
      z
        .string()
        .min(1, "must not be empty")
        .refine((value) => !hasLineBreak(value), "must be a single line"),
    ),
);

/** Like DocumentLineSchema, but blank is allowed (summaries default to ""). */
export const OptionalDocumentLineSchema = lazySchema(() =>
  z
    .string()
    .transform((value) => value.trim())
    .pipe(z.string().refine((value) => !hasLineBreak(value), "must be a single line")),
);

/**
 * Document timestamps must carry a timezone; they are normalised to UTC in the `Z` form the
 * renderer writes, so a parsed document renders back to the same bytes.
 */
export const DocumentTimestampSchema = lazySchema(() =>
  TimestampSchema.transform(normalizeDocumentTimestamp),
);

export function normalizeDocumentTimestamp(value: string): string {
  if (value.endsWith("Z")) return value;
  if (value.endsWith("+00:00") || value.endsWith("-00:00")) return `${value.slice(0, -6)}Z`;
  return formatTimestamp(new Date(value));
}

const lines = () => z.array(DocumentLineSchema).default([]);
const nonEmptyLines = () => z.array(DocumentLineSchema).min(1, "must list at least one item");

const PLACEHOLDER_DEPENDENCIES = new Set(["none", "n/a", "-"]);
/** `depends_on` / `blocks` drop the placeholders `none`, `n/a` and `-` (any case), like the reference. */
const dependencyIds = () =>
  z
    .array(z.string().transform((value) => value.trim()))
    .transform((values) => values.filter((value) => !PLACEHOLDER_DEPENDENCIES.has(value.toLowerCase())))
    .pipe(z.array(SafeIdSchema))
    .default([]);

/**
 * Free text after the fields. Our own extension (the reference drops prose on read): kept so a
 * document round-trips. Leading blank lines and trailing whitespace are trimmed; the first line
 * must read as prose, not as a `Label:` field or a `- item`, so it cannot be mistaken for one.
 */
export const DocumentBodySchema = lazySchema(() =>
  z
    .string()
    .transform((value) => normalizeDocumentBody(value))
    .pipe(
      z
        .string()
        .refine(
          (value) => value === "" || !bodyFirstLineLooksStructured(value),
          "the body's first line must be prose, not a `Label:` field or a `- item` line",
        ),
    )
    .optional(),
);

export function normalizeDocumentBody(value: string): string {
  return value
    .replace(/\r\n?/g, "\n")
    .replace(/^(?:[ \t]*\n)+/, "")
    .replace(/\s+$/, "");
}

const FIELD_HEADER = /^[A-Za-z][A-Za-z0-9-]*:(\s*(.*))?$/;
function bodyFirstLineLooksStructured(body: string): boolean {
  const first = (body.split("\n", 1)[0] ?? "").trim();
  return FIELD_HEADER.test(first) || first.startsWith("- ") || first === "-";
}

export const RootIntakeKindSchema = lazySchema(() =>
  z.enum(["idea", "probe", "manual", "incident", "derived_spec"]),
);
export type RootIntakeKind = z.infer<typeof RootIntakeKindSchema>;

export const TaskStatusHintSchema = lazySchema(() => z.enum(["queued", "active", "blocked", "done"]));
export const IncidentStatusHintSchema = lazySchema(() =>
  z.enum(["incoming", "active", "blocked", "resolved"]),
);
export const SpecSourceTypeSchema = lazySchema(() =>
  z.enum(["idea", "incident", "manual", "derived_spec", "probe"]),
);
export type SpecSourceType = z.infer<typeof SpecSourceTypeSchema>;
export const IncidentSeveritySchema = lazySchema(() => z.enum(["low", "medium", "high", "critical"]));
export const ConsultantDecisionSchema = lazySchema(() => z.enum(["needs_planning", "blocked"]));
export const LearningRequestedActionSchema = lazySchema(() =>
  z.enum(["create", "improve", "promote", "export", "install"]),
);

export const TaskDocumentSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0").default("1.0"),
    kind: z.literal("task").default("task"),
    task_id: SafeIdSchema,
    title: DocumentLineSchema,
    summary: OptionalDocumentLineSchema.default(""),
    root_idea_id: SafeIdSchema.optional(),
    root_spec_id: SafeIdSchema.optional(),
    root_intake_kind: RootIntakeKindSchema.optional(),
    root_intake_id: SafeIdSchema.optional(),
    spec_id: SafeIdSchema.optional(),
    parent_task_id: SafeIdSchema.optional(),
    incident_id: SafeIdSchema.optional(),
    target_paths: nonEmptyLines(),
    acceptance: nonEmptyLines(),
    required_checks: nonEmptyLines(),
    references: nonEmptyLines(),
    risk: nonEmptyLines(),
    depends_on: dependencyIds(),
    blocks: dependencyIds(),
    tags: lines(),
    status_hint: TaskStatusHintSchema.optional(),
    created_at: DocumentTimestampSchema,
    created_by: DocumentLineSchema,
    updated_at: DocumentTimestampSchema.optional(),
    body: DocumentBodySchema,
  }),
);
export type TaskDocument = z.infer<typeof TaskDocumentSchema>;

export const SpecDocumentSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0").default("1.0"),
    kind: z.literal("spec").default("spec"),
    spec_id: SafeIdSchema,
    title: DocumentLineSchema,
    summary: DocumentLineSchema,
    source_type: SpecSourceTypeSchema,
    source_id: SafeIdSchema.optional(),
    parent_spec_id: SafeIdSchema.optional(),
    root_idea_id: SafeIdSchema.optional(),
    root_spec_id: SafeIdSchema.optional(),
    root_intake_kind: RootIntakeKindSchema.optional(),
    root_intake_id: SafeIdSchema.optional(),
    goals: nonEmptyLines(),
    non_goals: lines(),
    scope: lines(),
    constraints: nonEmptyLines(),
    assumptions: lines(),
    risks: lines(),
    target_paths: lines(),
    entrypoints: lines(),
    required_skills: lines(),
    decomposition_hints: lines(),
    acceptance: nonEmptyLines(),
    references: nonEmptyLines(),
    created_at: DocumentTimestampSchema,
    created_by: DocumentLineSchema,
    updated_at: DocumentTimestampSchema.optional(),
    body: DocumentBodySchema,
  }),
);
export type SpecDocument = z.infer<typeof SpecDocumentSchema>;

export const IncidentDocumentSchema = lazySchema(() =>
  z
    .strictObject({
      schema_version: z.literal("1.0").default("1.0"),
      kind: z.literal("incident").default("incident"),
      incident_id: SafeIdSchema,
      title: DocumentLineSchema,
      summary: DocumentLineSchema,
      root_idea_id: SafeIdSchema.optional(),
      root_spec_id: SafeIdSchema.optional(),
      root_intake_kind: RootIntakeKindSchema.optional(),
      root_intake_id: SafeIdSchema.optional(),
      source_task_id: SafeIdSchema.optional(),
      source_spec_id: SafeIdSchema.optional(),
      source_stage: StageNameSchema,
      source_plane: PlaneSchema,
      failure_class: DocumentLineSchema,
      status_hint: IncidentStatusHintSchema.optional(),
      severity: IncidentSeveritySchema.default("medium"),
      needs_planning: z.boolean().default(true),
      trigger_reason: DocumentLineSchema,
      observed_symptoms: lines(),
      failed_attempts: lines(),
      consultant_decision: ConsultantDecisionSchema,
      evidence_paths: lines(),
      related_run_ids: lines(),
      related_stage_results: lines(),
      references: lines(),
      opened_at: DocumentTimestampSchema,
      opened_by: DocumentLineSchema,
      updated_at: DocumentTimestampSchema.optional(),
      body: DocumentBodySchema,
    })
    .superRefine((doc, ctx) => {
      const plane = planeOfStage(doc.source_stage);
      if (plane !== doc.source_plane) {
        ctx.addIssue({
          code: "custom",
          path: ["source_plane"],
          message: `must be ${plane}, the plane of source_stage ${doc.source_stage}`,
        });
      }
    }),
);
export type IncidentDocument = z.infer<typeof IncidentDocumentSchema>;

export const LearningRequestDocumentSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0").default("1.0"),
    kind: z.literal("learning_request").default("learning_request"),
    learning_request_id: SafeIdSchema,
    title: DocumentLineSchema,
    summary: OptionalDocumentLineSchema.default(""),
    requested_action: LearningRequestedActionSchema,
    target_skill_id: SafeIdSchema.optional(),
    target_stage: StageNameSchema.refine(
      (stage) => planeOfStage(stage) === "learning",
      "must be a learning stage (analyst, professor, curator, librarian)",
    ).optional(),
    source_refs: lines(),
    preferred_output_paths: lines(),
    trigger_metadata: z.record(z.string(), z.unknown()).default({}),
    originating_run_ids: z.array(SafeIdSchema).default([]),
    artifact_paths: lines(),
    references: lines(),
    created_at: DocumentTimestampSchema,
    created_by: DocumentLineSchema,
    updated_at: DocumentTimestampSchema.optional(),
    body: DocumentBodySchema,
  }),
);
export type LearningRequestDocument = z.infer<typeof LearningRequestDocumentSchema>;

export const ProbeDocumentSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0").default("1.0"),
    kind: z.literal("probe").default("probe"),
    probe_id: SafeIdSchema,
    title: DocumentLineSchema,
    summary: DocumentLineSchema,
    request: DocumentLineSchema,
    target_paths: lines(),
    constraints: lines(),
    acceptance: lines(),
    risk_notes: lines(),
    references: lines(),
    tags: lines(),
    status_hint: TaskStatusHintSchema.optional(),
    created_at: DocumentTimestampSchema,
    created_by: DocumentLineSchema,
    updated_at: DocumentTimestampSchema.optional(),
    body: DocumentBodySchema,
  }),
);
export type ProbeDocument = z.infer<typeof ProbeDocumentSchema>;

/** A draft's place in its manifest (1, 2, 3, ...); markdown gives it as text. */
const DraftIndexSchema = lazySchema(() =>
  z
    .union([
      z.int(),
      z
        .string()
        .regex(/^\d{1,4}$/, "must be a whole number")
        .transform(Number),
    ])
    .pipe(z.int().min(1, "must be 1 or more").max(9999)),
);

/** The planning item a Manager Blueprint run decomposed into drafts. */
export const BlueprintSourceKindSchema = lazySchema(() => z.enum(["spec", "incident", "blueprint_draft"]));

/**
 * One blueprint draft: an implementation boundary a Manager Blueprint stage cut from a plan. The
 * runtime queues it; a Contractor designs it and an Evaluator approves it into one task. Drafts
 * carry their source's lineage, so they hold the root spec's closure while open.
 */
export const BlueprintDraftDocumentSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0").default("1.0"),
    kind: z.literal("blueprint_draft").default("blueprint_draft"),
    draft_id: SafeIdSchema,
    title: DocumentLineSchema,
    summary: DocumentLineSchema,
    manifest_id: SafeIdSchema.optional(),
    draft_index: DraftIndexSchema,
    source_kind: BlueprintSourceKindSchema,
    source_id: SafeIdSchema,
    source_spec_id: SafeIdSchema.optional(),
    root_idea_id: SafeIdSchema.optional(),
    root_spec_id: SafeIdSchema.optional(),
    root_intake_kind: RootIntakeKindSchema.optional(),
    root_intake_id: SafeIdSchema.optional(),
    context_excerpt: OptionalDocumentLineSchema.default(""),
    target_paths: nonEmptyLines(),
    acceptance_intent: nonEmptyLines(),
    depends_on_draft_ids: dependencyIds(),
    references: lines(),
    created_at: DocumentTimestampSchema,
    created_by: DocumentLineSchema,
    updated_at: DocumentTimestampSchema.optional(),
    body: DocumentBodySchema,
  }),
);
export type BlueprintDraftDocument = z.infer<typeof BlueprintDraftDocumentSchema>;

export const WorkDocumentSchema = lazySchema(() =>
  z.discriminatedUnion("kind", [
    TaskDocumentSchema,
    SpecDocumentSchema,
    IncidentDocumentSchema,
    LearningRequestDocumentSchema,
    ProbeDocumentSchema,
    BlueprintDraftDocumentSchema,
  ]),
);
export type WorkDocument = z.infer<typeof WorkDocumentSchema>;
/** What callers pass in before defaults apply (e.g. to `enqueue`). */
export type WorkDocumentInput = z.input<typeof WorkDocumentSchema>;

export const WORK_DOCUMENT_SCHEMAS = {
  task: TaskDocumentSchema,
  spec: SpecDocumentSchema,
  incident: IncidentDocumentSchema,
  learning_request: LearningRequestDocumentSchema,
  probe: ProbeDocumentSchema,
  blueprint_draft: BlueprintDraftDocumentSchema,
} as const satisfies Record<DocumentKind, z.ZodType>;

/** The field that holds each kind's id. */
export const WORK_DOCUMENT_ID_FIELDS = {
  task: "task_id",
  spec: "spec_id",
  incident: "incident_id",
  learning_request: "learning_request_id",
  probe: "probe_id",
  blueprint_draft: "draft_id",
} as const satisfies Record<DocumentKind, string>;

/** The field each kind is ordered by when claiming (oldest first, then id). */
export const WORK_DOCUMENT_TIME_FIELDS = {
  task: "created_at",
  spec: "created_at",
  incident: "opened_at",
  learning_request: "created_at",
  probe: "created_at",
  blueprint_draft: "created_at",
} as const satisfies Record<DocumentKind, string>;

export function workDocumentId(doc: WorkDocument): string {
  switch (doc.kind) {
    case "task":
      return doc.task_id;
    case "spec":
      return doc.spec_id;
    case "incident":
      return doc.incident_id;
    case "learning_request":
      return doc.learning_request_id;
    case "probe":
      return doc.probe_id;
    case "blueprint_draft":
      return doc.draft_id;
  }
}

export function workDocumentTimestamp(doc: WorkDocument): string {
  return doc.kind === "incident" ? doc.opened_at : doc.created_at;
}

/**
 * The root spec a document belongs to, used by every closure-scoped selection: the explicit
 * root_spec_id; else a task's spec_id, an incident's source_spec_id, or an idea/manual spec's own id.
 */
export function effectiveRootSpecId(doc: WorkDocument): string | undefined {
  switch (doc.kind) {
    case "task":
      return doc.root_spec_id ?? doc.spec_id;
    case "incident":
      return doc.root_spec_id ?? doc.source_spec_id;
    case "spec":
      if (doc.root_spec_id) return doc.root_spec_id;
      return doc.source_type === "idea" || doc.source_type === "manual" ? doc.spec_id : undefined;
    case "blueprint_draft":
      return doc.root_spec_id ?? doc.source_spec_id;
    default:
      return undefined;
  }
}

/** A root spec opens a closure lineage: it is its own root, or an idea/manual spec without a parent. */
export function isRootSpec(doc: SpecDocument): boolean {
  if (doc.root_spec_id) return doc.root_spec_id === doc.spec_id;
  const parent = doc.parent_spec_id;
  return (
    (parent === undefined || parent.toLowerCase() === "none") &&
    (doc.source_type === "idea" || doc.source_type === "manual")
  );
}
