import { z } from "zod";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { TimestampSchema } from "./time.js";

/**
 * Governed compounding (`millrace-agents/compounding/`): reusable procedures, their lifecycle
 * records, durable context facts, injection usage records and the derived orientation indexes.
 * Key names follow the reference's stores; our additions default so its files still read.
 */

export const CompoundingScopeSchema = lazySchema(() => z.enum(["run", "workspace"]));
export type CompoundingScope = z.infer<typeof CompoundingScopeSchema>;

export const ProcedureLifecycleStateSchema = lazySchema(() =>
  z.enum(["candidate", "promoted", "deprecated"]),
);
export type ProcedureLifecycleState = z.infer<typeof ProcedureLifecycleStateSchema>;

export const ContextFactLifecycleStateSchema = lazySchema(() =>
  z.enum(["candidate", "promoted", "stale", "deprecated"]),
);
export type ContextFactLifecycleState = z.infer<typeof ContextFactLifecycleStateSchema>;

/** How retrieval sees an item: only `eligible` items are ever injected. */
export const RetrievalStatusSchema = lazySchema(() =>
  z.enum(["run_candidate", "stale", "eligible", "deprecated"]),
);
export type RetrievalStatus = z.infer<typeof RetrievalStatusSchema>;

const Ref = lazySchema(() => z.string().min(1));

/** `procedures/<run_id>/<event>--<node>.json` (run scope) or `procedures/<procedure_id>.json` (workspace). */
export const ReusableProcedureSchema = lazySchema(() =>
  z.looseObject({
    procedure_id: z.string().min(1),
    scope: CompoundingScopeSchema,
    source_run_id: z.string().min(1),
    source_stage: z.string().min(1),
    title: z.string().min(1),
    summary: z.string(),
    procedure_markdown: z.string(),
    tags: z.array(z.string()).default([]),
    evidence_refs: z.array(Ref).default([]),
    created_at: TimestampSchema,
    supersedes_procedure_id: z.string().min(1).nullable().default(null),
  }),
);
export type ReusableProcedure = z.infer<typeof ReusableProcedureSchema>;
export type ReusableProcedureInput = z.input<typeof ReusableProcedureSchema>;

/**
 * `lifecycle/<record_id>.json`: one state change of a workspace item. The reference only governs
 * procedures (`procedure_id`); a record about a context fact carries `fact_id` instead (our addition).
 */
export const ProcedureLifecycleRecordSchema = lazySchema(() =>
  z
    .looseObject({
      record_id: z.string().min(1),
      procedure_id: z.string().min(1).nullable().default(null),
      fact_id: z.string().min(1).nullable().default(null),
      state: ProcedureLifecycleStateSchema,
      scope: CompoundingScopeSchema,
      changed_at: TimestampSchema,
      changed_by: z.string().min(1),
      reason: z.string(),
      replacement_procedure_id: z.string().min(1).nullable().default(null),
    })
    .refine((record) => (record.procedure_id === null) !== (record.fact_id === null), {
      message: "a lifecycle record names exactly one of procedure_id and fact_id",
    }),
);
export type ProcedureLifecycleRecord = z.infer<typeof ProcedureLifecycleRecordSchema>;

/** `context_facts/<run_id>/<fact_id>.json` (run scope) or `context_facts/<fact_id>.json` (workspace). */
export const ContextFactSchema = lazySchema(() =>
  z.looseObject({
    fact_id: z.string().min(1),
    scope: CompoundingScopeSchema,
    lifecycle_state: ContextFactLifecycleStateSchema,
    source_run_id: z.string().min(1),
    source_stage: z.string().min(1),
    title: z.string().min(1),
    statement: z.string(),
    summary: z.string(),
    tags: z.array(z.string()).default([]),
    evidence_refs: z.array(Ref).default([]),
    created_at: TimestampSchema,
    observed_at: TimestampSchema.nullable().default(null),
    stale_reason: z.string().nullable().default(null),
    supersedes_fact_id: z.string().min(1).nullable().default(null),
  }),
);
export type ContextFact = z.infer<typeof ContextFactSchema>;
export type ContextFactInput = z.input<typeof ContextFactSchema>;

export const CompoundingItemKindSchema = lazySchema(() => z.enum(["procedure", "fact"]));
export type CompoundingItemKind = z.infer<typeof CompoundingItemKindSchema>;

export const UsageDispositionSchema = lazySchema(() => z.enum(["considered", "injected", "skipped"]));
export type UsageDisposition = z.infer<typeof UsageDispositionSchema>;

/** One item's fate in one stage's selection (the reference's ProcedureUsageRecord, plus `item_kind`). */
export const ProcedureUsageRecordSchema = lazySchema(() =>
  z.looseObject({
    usage_id: z.string().min(1),
    procedure_id: z.string().min(1),
    item_kind: CompoundingItemKindSchema.default("procedure"),
    run_id: z.string().min(1),
    stage: z.string().min(1),
    disposition: UsageDispositionSchema,
    recorded_at: TimestampSchema,
    reason: z.string().nullable().default(null),
    execution_ref: z.string().nullable().default(null),
  }),
);
export type ProcedureUsageRecord = z.infer<typeof ProcedureUsageRecordSchema>;

/** The outcome of the stage an injection went into. `attempt` 1 = the stage's first try on its work item. */
export const InjectionOutcomeSchema = lazySchema(() =>
  z.strictObject({
    terminal_result: z.string().min(1),
    success: z.boolean(),
    attempt: z.number().int().positive(),
    recorded_at: TimestampSchema,
  }),
);
export type InjectionOutcome = z.infer<typeof InjectionOutcomeSchema>;

/** `usage/<run_id>/<request_id>.json`: what one stage run was given, and (later) how it ended. */
export const CompoundingUsageFileSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("compounding_usage"),
    run_id: z.string().min(1),
    request_id: z.string().min(1),
    stage: z.string().min(1),
    recorded_at: TimestampSchema,
    records: z.array(ProcedureUsageRecordSchema),
    outcome: InjectionOutcomeSchema.nullable(),
  }),
);
export type CompoundingUsageFile = z.infer<typeof CompoundingUsageFileSchema>;

export const CompoundingProfileSchema = lazySchema(() =>
  z.enum(["baseline", "compounding", "governed_plus"]),
);
export type CompoundingProfile = z.infer<typeof CompoundingProfileSchema>;

export const SelectionBudgetSchema = lazySchema(() =>
  z.strictObject({
    max_items: z.number().int().nonnegative(),
    budget_characters: z.number().int().nonnegative(),
  }),
);
export type SelectionBudget = z.infer<typeof SelectionBudgetSchema>;

export const SelectionReasonSchema = lazySchema(() =>
  z.enum(["run_scope", "pattern_match", "broader_scope"]),
);
export type SelectionReason = z.infer<typeof SelectionReasonSchema>;

export const ConsideredItemSchema = lazySchema(() =>
  z.strictObject({
    item_id: z.string(),
    item_kind: CompoundingItemKindSchema,
    scope: CompoundingScopeSchema,
    source_stage: z.string(),
    selection_reason: SelectionReasonSchema,
    decision: z.enum(["selected", "truncated", "over_item_cap", "over_budget"]),
    characters: z.number().int().nonnegative(),
  }),
);
export type ConsideredItem = z.infer<typeof ConsideredItemSchema>;

export const SelectionFamilySchema = lazySchema(() =>
  z.strictObject({
    budget: SelectionBudgetSchema,
    /** How many items passed the status, scope and source-stage filters. */
    considered_count: z.number().int().nonnegative(),
    /** The first of them in selection order (at most 50), with what happened to each. */
    considered: z.array(ConsideredItemSchema),
    selected_ids: z.array(z.string()),
    used_characters: z.number().int().nonnegative(),
    truncated_count: z.number().int().nonnegative(),
    /** Items filtered out before ranking, counted by reason (not_eligible, scope, source_stage, other_run). */
    excluded_counts: z.record(z.string(), z.number().int().nonnegative()),
  }),
);
export type SelectionFamily = z.infer<typeof SelectionFamilySchema>;

/** The injected bundle of one stage: stored in the stage's run folder and shown by `runs show`. */
export const CompoundingSelectionSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("compounding_selection"),
    run_id: z.string().min(1),
    stage: z.string().min(1),
    profile: CompoundingProfileSchema,
    /** The combined budget (governed_plus only). */
    combined_budget_characters: z.number().int().nonnegative().nullable(),
    procedures: SelectionFamilySchema,
    facts: SelectionFamilySchema,
    injected_characters: z.number().int().nonnegative(),
  }),
);
export type CompoundingSelection = z.infer<typeof CompoundingSelectionSchema>;

export const OrientationFamilySchema = lazySchema(() => z.enum(["procedure", "context_fact"]));
export type OrientationFamily = z.infer<typeof OrientationFamilySchema>;

export const OrientationEntrySchema = lazySchema(() =>
  z.strictObject({
    entry_id: z.string(),
    family: OrientationFamilySchema,
    status: RetrievalStatusSchema,
    label: z.string(),
    summary: z.string(),
    artifact_ref: z.string(),
    source_run_id: z.string(),
    source_stage: z.string(),
    tags: z.array(z.string()),
    evidence_refs: z.array(z.string()),
    related_ids: z.array(z.string()),
  }),
);
export type OrientationEntry = z.infer<typeof OrientationEntrySchema>;

export const OrientationClusterSchema = lazySchema(() =>
  z.strictObject({
    cluster_id: z.string(),
    kind: z.enum(["source_run", "evidence_ref", "tag"]),
    label: z.string(),
    summary: z.string(),
    member_ids: z.array(z.string()),
    shared_terms: z.array(z.string()),
  }),
);
export type OrientationCluster = z.infer<typeof OrientationClusterSchema>;

/** `indexes/governed_store_index.json`. */
export const GovernedStoreIndexSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("governed_store_index"),
    generated_at: TimestampSchema,
    note: z.string(),
    entries: z.array(OrientationEntrySchema),
  }),
);
export type GovernedStoreIndex = z.infer<typeof GovernedStoreIndexSchema>;

/** `indexes/relationship_summary.json`. */
export const RelationshipSummarySchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("relationship_summary"),
    generated_at: TimestampSchema,
    note: z.string(),
    clusters: z.array(OrientationClusterSchema),
  }),
);
export type RelationshipSummary = z.infer<typeof RelationshipSummarySchema>;

export const CompoundingLintIssueSchema = lazySchema(() =>
  z.strictObject({
    /** `<family>.<check>.<id>`. */
    issue_id: z.string(),
    severity: z.enum(["warn", "fail"]),
    family: z.string(),
    message: z.string(),
    artifact_ref: z.string().nullable(),
    related_refs: z.array(z.string()),
  }),
);
export type CompoundingLintIssue = z.infer<typeof CompoundingLintIssueSchema>;

/** `compounding lint --json`. */
export const CompoundingLintReportSchema = lazySchema(() =>
  z.strictObject({
    generated_at: TimestampSchema,
    status: z.enum(["pass", "warn", "fail"]),
    summary: z.string(),
    checked_counts: z.record(z.string(), z.number().int().nonnegative()),
    issue_count: z.number().int().nonnegative(),
    warning_count: z.number().int().nonnegative(),
    failure_count: z.number().int().nonnegative(),
    orientation_index_present: z.boolean(),
    relationship_summary_present: z.boolean(),
    issues: z.array(CompoundingLintIssueSchema),
  }),
);
export type CompoundingLintReport = z.infer<typeof CompoundingLintReportSchema>;

export const InstalledSkillSourceKindSchema = lazySchema(() => z.enum(["folder", "npm_package", "tarball"]));
export type InstalledSkillSourceKind = z.infer<typeof InstalledSkillSourceKindSchema>;

export const InstalledSkillSchema = lazySchema(() =>
  z.strictObject({
    name: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
    description: z.string(),
    /** Runtime-root-relative posix folder, e.g. `skills/learned/<name>`. */
    relative_path: z.string().min(1),
    source_kind: InstalledSkillSourceKindSchema,
    /** The folder or tarball path, or `<package>@<version>` for an npm package. */
    source: z.string().min(1),
    /** Runtime-root-relative path → sha256 of every installed file. */
    files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
    installed_at: TimestampSchema,
  }),
);
export type InstalledSkill = z.infer<typeof InstalledSkillSchema>;

/** `state/installed_skills.json`: skills installed on top of the baseline; `upgrade` leaves their folders alone. */
export const InstalledSkillsManifestSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("installed_skills"),
    skills: z.array(InstalledSkillSchema),
  }),
);
export type InstalledSkillsManifest = z.infer<typeof InstalledSkillsManifestSchema>;

registerPersistedSchema("reusable-procedure", ReusableProcedureSchema);
registerPersistedSchema("procedure-lifecycle-record", ProcedureLifecycleRecordSchema);
registerPersistedSchema("context-fact", ContextFactSchema);
registerPersistedSchema("compounding-usage", CompoundingUsageFileSchema);
registerPersistedSchema("compounding-selection", CompoundingSelectionSchema);
registerPersistedSchema("governed-store-index", GovernedStoreIndexSchema);
registerPersistedSchema("relationship-summary", RelationshipSummarySchema);
registerPersistedSchema("compounding-lint-report", CompoundingLintReportSchema);
registerPersistedSchema("installed-skills", InstalledSkillsManifestSchema);
registerPersistedSchema("installed-skill", InstalledSkillSchema);
