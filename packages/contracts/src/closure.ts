import { z } from "zod";
import { SafeIdSchema } from "./ids.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { TimestampSchema } from "./time.js";
import { RootIntakeKindSchema } from "./work-documents.js";

/**
 * `millrace-agents/arbiter/targets/<root_spec_id>.json`: one closure lineage, from the root spec's
 * first claim until the Arbiter closes it. At most one target is open at a time.
 */
export const ClosureTargetStateSchema = lazySchema(() =>
  z
    .strictObject({
      schema_version: z.literal("1.0"),
      kind: z.literal("closure_target_state"),
      root_spec_id: SafeIdSchema,
      root_idea_id: SafeIdSchema,
      root_intake_kind: RootIntakeKindSchema.nullish(),
      root_intake_id: SafeIdSchema.nullish(),
      /** Workspace-relative canonical copies made when the target opened. */
      root_spec_path: z.string().min(1),
      root_idea_path: z.string().min(1),
      rubric_path: z.string().min(1),
      latest_verdict_path: z.string().nullish(),
      latest_report_path: z.string().nullish(),
      closure_open: z.boolean().default(true),
      closure_blocked_by_lineage_work: z.boolean().default(false),
      blocking_work_ids: z.array(z.string()).default([]),
      opened_at: TimestampSchema,
      closed_at: TimestampSchema.nullish(),
      last_arbiter_run_id: z.string().nullish(),
    })
    .superRefine((target, ctx) => {
      if (target.closed_at != null) {
        if (target.closure_open) {
          ctx.addIssue({ code: "custom", path: ["closure_open"], message: "a closed target cannot be open" });
        }
        if (Date.parse(target.closed_at) < Date.parse(target.opened_at)) {
          ctx.addIssue({ code: "custom", path: ["closed_at"], message: "closed_at is before opened_at" });
        }
      }
      if (target.blocking_work_ids.length > 0 && !target.closure_blocked_by_lineage_work) {
        ctx.addIssue({
          code: "custom",
          path: ["blocking_work_ids"],
          message: "blocking_work_ids are only set while closure is blocked by lineage work",
        });
      }
    }),
);
export type ClosureTargetState = z.infer<typeof ClosureTargetStateSchema>;

export const LineageDriftFindingSchema = lazySchema(() =>
  z.strictObject({
    work_item_kind: z.enum(["task", "spec", "incident"]),
    work_item_id: z.string(),
    state: z.enum(["queue", "active", "blocked"]),
    path: z.string(),
    expected_root_spec_id: z.string(),
    actual_root_spec_id: z.string().nullable(),
    root_idea_id: z.string().nullable(),
    spec_id: z.string().nullable(),
    diagnostic_reason: z.enum(["same_root_idea_different_root_spec", "known_root_spec_alias"]),
  }),
);
export type LineageDriftFinding = z.infer<typeof LineageDriftFindingSchema>;

export const LineageDriftDiagnosticSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("closure_lineage_drift_diagnostic"),
    root_spec_id: z.string(),
    root_idea_id: z.string(),
    detected_at: TimestampSchema,
    findings: z.array(LineageDriftFindingSchema),
    recommended_command: z.string(),
  }),
);
export type LineageDriftDiagnostic = z.infer<typeof LineageDriftDiagnosticSchema>;

/** One document `queue repair-lineage` rewrites: each field it sets, with the value it had. */
export const LineageRepairChangeSchema = lazySchema(() =>
  z.strictObject({
    work_item_kind: z.enum(["task", "incident"]),
    work_item_id: z.string(),
    state: z.enum(["queue", "blocked"]),
    path: z.string(),
    root_spec_id: z.strictObject({ from: z.string().nullable(), to: z.string() }),
    spec_id: z.strictObject({ from: z.string().nullable(), to: z.string() }).nullable(),
  }),
);
export type LineageRepairChange = z.infer<typeof LineageRepairChangeSchema>;

/** A drift finding the repair leaves alone, and why: specs are never rewritten, active work is in use. */
export const LineageRepairSkipSchema = lazySchema(() =>
  z.strictObject({
    work_item_kind: z.enum(["task", "spec", "incident"]),
    work_item_id: z.string(),
    state: z.enum(["queue", "active", "blocked"]),
    path: z.string(),
    reason: z.enum(["spec_not_rewritten", "active_item"]),
  }),
);
export type LineageRepairSkip = z.infer<typeof LineageRepairSkipSchema>;

/**
 * `arbiter/diagnostics/lineage-repairs/<timestamp>-<hex8>.json`, written by every
 * `queue repair-lineage` run: the plan, and whether it was applied.
 */
export const LineageRepairReportSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("closure_lineage_repair_report"),
    root_spec_id: z.string(),
    root_idea_id: z.string(),
    created_at: TimestampSchema,
    applied: z.boolean(),
    issuer: z.string(),
    changes: z.array(LineageRepairChangeSchema),
    skipped: z.array(LineageRepairSkipSchema),
    report_path: z.string(),
  }),
);
export type LineageRepairReport = z.infer<typeof LineageRepairReportSchema>;

registerPersistedSchema("closure-target-state", ClosureTargetStateSchema);
registerPersistedSchema("lineage-repair-report", LineageRepairReportSchema);
registerPersistedSchema("lineage-drift-diagnostic", LineageDriftDiagnosticSchema);
