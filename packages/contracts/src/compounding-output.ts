import { z } from "zod";
import {
  CompoundingItemKindSchema,
  CompoundingScopeSchema,
  ContextFactSchema,
  InstalledSkillSchema,
  OrientationClusterSchema,
  OrientationEntrySchema,
  ProcedureLifecycleRecordSchema,
  ProcedureLifecycleStateSchema,
  RetrievalStatusSchema,
  ReusableProcedureSchema,
} from "./compounding.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { TimestampSchema } from "./time.js";

/** The exchanged (`--json`) shapes of `@millrace/compounding`'s inspection and control calls. */

/** How the stages an item was injected into ended. */
export const ItemEffectivenessSchema = lazySchema(() =>
  z.strictObject({
    item_id: z.string(),
    item_kind: CompoundingItemKindSchema,
    /** Stage runs it was injected into. */
    injected: z.number().int().nonnegative(),
    /** Of those, how many have a recorded outcome. */
    with_outcome: z.number().int().nonnegative(),
    succeeded: z.number().int().nonnegative(),
    /** Succeeded on the stage's first try on its work item. */
    succeeded_first_time: z.number().int().nonnegative(),
    /** succeeded_first_time / with_outcome; null before any outcome. */
    first_time_success_rate: z.number().min(0).max(1).nullable(),
    /** Stage runs where it was considered but left out (item cap or budget). */
    skipped: z.number().int().nonnegative(),
  }),
);
export type ItemEffectiveness = z.infer<typeof ItemEffectivenessSchema>;

export const CompoundingItemListingSchema = lazySchema(() =>
  z.strictObject({
    item_id: z.string(),
    item_kind: CompoundingItemKindSchema,
    scope: CompoundingScopeSchema,
    status: RetrievalStatusSchema,
    title: z.string(),
    source_run_id: z.string(),
    source_stage: z.string(),
    created_at: TimestampSchema,
    artifact_ref: z.string(),
    effectiveness: ItemEffectivenessSchema.nullable(),
  }),
);
export type CompoundingItemListing = z.infer<typeof CompoundingItemListingSchema>;

/** `compounding procedures --json` / `compounding facts --json`. */
export const CompoundingItemListOutputSchema = lazySchema(() =>
  z.strictObject({
    item_kind: CompoundingItemKindSchema,
    items: z.array(CompoundingItemListingSchema),
  }),
);
export type CompoundingItemListOutput = z.infer<typeof CompoundingItemListOutputSchema>;

export const CompoundingItemDetailSchema = lazySchema(() =>
  CompoundingItemListingSchema.extend({
    item: z.union([ReusableProcedureSchema, ContextFactSchema]),
    /** Its lifecycle records, oldest first. */
    lifecycle: z.array(ProcedureLifecycleRecordSchema),
  }),
);
export type CompoundingItemDetail = z.infer<typeof CompoundingItemDetailSchema>;

const FamilyCountsSchema = lazySchema(() =>
  z.strictObject({
    total: z.number().int().nonnegative(),
    run_candidates: z.number().int().nonnegative(),
    eligible: z.number().int().nonnegative(),
    pending: z.number().int().nonnegative(),
    deprecated: z.number().int().nonnegative(),
  }),
);

export const CompoundingSummarySchema = lazySchema(() =>
  z.strictObject({
    procedures: FamilyCountsSchema,
    facts: FamilyCountsSchema,
    /** Workspace items awaiting an operator's promote or deprecate. */
    pending_governance_items: z.array(z.string()),
    usage: z.strictObject({
      stage_runs: z.number().int().nonnegative(),
      injected_items: z.number().int().nonnegative(),
      latest_run_id: z.string().nullable(),
    }),
    unloadable_files: z.number().int().nonnegative(),
  }),
);
export type CompoundingSummary = z.infer<typeof CompoundingSummarySchema>;

export const CompoundingOrientOutputSchema = lazySchema(() =>
  z.strictObject({
    generated_at: TimestampSchema,
    query: z.string().nullable(),
    family_counts: z.strictObject({ procedure: z.number().int(), context_fact: z.number().int() }),
    cluster_counts: z.strictObject({
      source_run: z.number().int(),
      evidence_ref: z.number().int(),
      tag: z.number().int(),
    }),
    entries: z.array(OrientationEntrySchema),
    clusters: z.array(OrientationClusterSchema),
    /** Workspace-relative paths of the two index files just written. */
    written: z.array(z.string()),
  }),
);
export type CompoundingOrientOutput = z.infer<typeof CompoundingOrientOutputSchema>;

/** The result of promote / deprecate; `applied: false` means the item already was in that state. */
export const LifecycleChangeSchema = lazySchema(() =>
  z.strictObject({
    applied: z.boolean(),
    item_kind: CompoundingItemKindSchema,
    item_id: z.string(),
    state: ProcedureLifecycleStateSchema,
    record: ProcedureLifecycleRecordSchema.nullable(),
  }),
);
export type LifecycleChange = z.infer<typeof LifecycleChangeSchema>;

export const SkillListingSchema = lazySchema(() =>
  InstalledSkillSchema.extend({
    /** `ok`: files as installed; `modified`: a file changed or is gone; `missing`: the folder is gone. */
    status: z.enum(["ok", "modified", "missing"]),
  }),
);
export type SkillListing = z.infer<typeof SkillListingSchema>;

/** `skills ls --json`. */
export const SkillListOutputSchema = lazySchema(() =>
  z.strictObject({ skills: z.array(SkillListingSchema) }),
);
export type SkillListOutput = z.infer<typeof SkillListOutputSchema>;

export const SkillDetailSchema = lazySchema(() =>
  SkillListingSchema.extend({ skill_md: z.string().nullable() }),
);
export type SkillDetail = z.infer<typeof SkillDetailSchema>;

export const SkillInstallOutputSchema = lazySchema(() =>
  z.strictObject({
    installed: z.array(InstalledSkillSchema),
    /** Names that replaced an installed skill. */
    replaced: z.array(z.string()),
  }),
);
export type SkillInstallOutput = z.infer<typeof SkillInstallOutputSchema>;

registerPersistedSchema("compounding-summary", CompoundingSummarySchema);
registerPersistedSchema("compounding-item-listing", CompoundingItemListingSchema);
registerPersistedSchema("compounding-item-detail", CompoundingItemDetailSchema);
registerPersistedSchema("compounding-orient-output", CompoundingOrientOutputSchema);
registerPersistedSchema("lifecycle-change", LifecycleChangeSchema);
registerPersistedSchema("skill-listing", SkillListingSchema);
registerPersistedSchema("compounding-item-list", CompoundingItemListOutputSchema);
registerPersistedSchema("skill-list", SkillListOutputSchema);
registerPersistedSchema("skill-detail", SkillDetailSchema);
registerPersistedSchema("skill-install-output", SkillInstallOutputSchema);
