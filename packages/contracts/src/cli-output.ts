import { z } from "zod";
import { ModeSchema } from "./assets.js";
import { CapabilityApprovalSchema } from "./capabilities.js";
import {
  CompiledRunPlanSchema,
  CompiledStageGraphExportSchema,
  CompileInputFingerprintSchema,
  ModeSummarySchema,
  PlanCurrentnessSchema,
} from "./compiled-plan.js";
import { MillraceConfigSchema } from "./config.js";
import { DocumentKindSchema, MailboxCommandSchema, PlaneSchema } from "./enums.js";
import { GovernanceBlockerSourceSchema, ParkedWorkItemSchema } from "./governance.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import {
  InterventionActionSchema,
  QueueEnqueueOutputSchema,
  QueueInterventionOutputSchema,
  QueueItemDetailSchema,
  QueueListingSchema,
} from "./queue-records.js";
import { StatusReportSchema } from "./read-models.js";
import { DoctorCheckSchema } from "./workspace-state.js";

/**
 * The `--json` output of every CLI command that had no persisted shape of its own. Each schema is
 * registered under the file name of its generated JSON Schema (`schemas/<name>.schema.json`);
 * `docs/json-output.md` maps each command to its file.
 */

const Count = lazySchema(() => z.int().nonnegative());

/** Every error printed under `--json` (exit status 1, 2 or 3). */
export const CliErrorOutputSchema = lazySchema(() =>
  z.strictObject({
    error: z.strictObject({
      code: z.string(),
      message: z.string(),
      hint: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  }),
);
export type CliErrorOutput = z.infer<typeof CliErrorOutputSchema>;

/** `version --json`. */
export const VersionOutputSchema = lazySchema(() =>
  z.strictObject({
    name: z.literal("millrace"),
    version: z.string(),
    node: z.string(),
  }),
);
export type VersionOutput = z.infer<typeof VersionOutputSchema>;

/** `config show --json`: the effective configuration (defaults merged with the file). */
export const ConfigShowOutputSchema = lazySchema(() =>
  z.strictObject({
    config_file: z.string(),
    config_version: z.string(),
    config: MillraceConfigSchema,
  }),
);
export type ConfigShowOutput = z.infer<typeof ConfigShowOutputSchema>;

/** `config validate --json`. */
export const ConfigValidateOutputSchema = lazySchema(() =>
  z.strictObject({
    ok: z.boolean(),
    config_file: z.string(),
    code: z.enum(["config_parse_failed", "config_invalid"]).nullable(),
    config_version: z.string().nullable(),
    problems: z.array(
      z.strictObject({
        key: z.string(),
        line: z.int().positive().nullable(),
        message: z.string(),
      }),
    ),
  }),
);
export type ConfigValidateOutput = z.infer<typeof ConfigValidateOutputSchema>;

const compileSummaryFields = () => ({
  ok: z.boolean(),
  mode_id: z.string(),
  compiled_plan_id: z.string().nullable(),
  preview: z.boolean(),
  persisted: z.boolean(),
  used_last_known_good: z.boolean(),
  compile_input: CompileInputFingerprintSchema.nullable(),
  errors: z.array(z.string()),
  warnings: z.array(z.string()),
});

/** `compile validate --json`. */
export const CompileValidateOutputSchema = lazySchema(() => z.strictObject(compileSummaryFields()));
export type CompileValidateOutput = z.infer<typeof CompileValidateOutputSchema>;

/** `compile show --json`: the summary, the plan's currentness (null for a preview) and the plan. */
export const CompileShowOutputSchema = lazySchema(() =>
  z.strictObject({
    ...compileSummaryFields(),
    currentness: PlanCurrentnessSchema.nullable(),
    plan: CompiledRunPlanSchema.nullable().optional(),
  }),
);
export type CompileShowOutput = z.infer<typeof CompileShowOutputSchema>;

/** `compile graph --json` (or `--format json`): one export per plane. */
export const CompileGraphOutputSchema = lazySchema(() => z.array(CompiledStageGraphExportSchema));
export type CompileGraphOutput = z.infer<typeof CompileGraphOutputSchema>;

/** `modes ls --json`. */
export const ModesListOutputSchema = lazySchema(() =>
  z.strictObject({
    modes: z.array(ModeSummarySchema),
    invalid: z.array(z.string()),
  }),
);
export type ModesListOutput = z.infer<typeof ModesListOutputSchema>;

/** `modes show <id> --json`: the summary plus the normalized mode definition. */
export const ModesShowOutputSchema = lazySchema(() => ModeSummarySchema.extend({ definition: ModeSchema }));
export type ModesShowOutput = z.infer<typeof ModesShowOutputSchema>;

/** One JSON line of `status watch --json`: a status report, or the error reading one workspace. */
export const StatusWatchLineSchema = lazySchema(() =>
  z.union([
    StatusReportSchema,
    z.strictObject({ workspace: z.string(), error: CliErrorOutputSchema.shape.error }),
  ]),
);
export type StatusWatchLine = z.infer<typeof StatusWatchLineSchema>;

/**
 * The result of every control command (`pause`, `resume`, `stop`, `retry-active`, approvals,
 * `queue release`, ...), the same shape whether a daemon got it through the mailbox (`mode:
 * "mailbox"`, `applied: false` until the daemon applies it) or it was applied directly.
 */
export const ControlResultOutputSchema = lazySchema(() =>
  z.strictObject({
    action: MailboxCommandSchema,
    mode: z.enum(["direct", "mailbox"]),
    applied: z.boolean(),
    detail: z.string(),
    command_id: z.string().nullable(),
    mailbox_path: z.string().nullable(),
    artifact_path: z.string().nullable(),
    /** Who acted (normalised; `operator` by default). */
    issuer: z.string(),
    /** What an add command enqueued (direct mode; null when queued for a daemon or not an add). */
    enqueued: z
      .strictObject({
        kind: z.union([DocumentKindSchema, z.literal("idea")]),
        id: z.string().nullable(),
        path: z.string(),
      })
      .nullable(),
    /** What a queue intervention moved (direct mode; null otherwise). */
    intervention: z
      .strictObject({
        action: InterventionActionSchema,
        work_item_kind: DocumentKindSchema,
        work_item_id: z.string(),
        source_state: z.string(),
        destination_state: z.string(),
        source_path: z.string(),
        destination_path: z.string(),
        replacement_work_item_id: z.string().nullable(),
        affected_dependents: z.array(z.string()),
        reason: z.string(),
      })
      .nullable(),
  }),
);
export type ControlResultOutput = z.infer<typeof ControlResultOutputSchema>;

/** `run once --json`. */
export const RunOnceOutputSchema = lazySchema(() =>
  z.strictObject({
    run_mode: z.literal("once"),
    active_mode_id: z.string(),
    mode_override: z.string().nullable(),
    compiled_plan_id: z.string(),
    tick_reason: z.enum([
      "stage_completed",
      "no_work",
      "paused",
      "stop_requested",
      "stopping",
      "working",
      "runtime_error_scheduled",
    ]),
    stages: z.array(
      z.strictObject({
        plane: PlaneSchema,
        stage: z.string(),
        terminal_result: z.string(),
        failure_class: z.string().nullable(),
        action: z.string().nullable(),
      }),
    ),
  }),
);
export type RunOnceOutput = z.infer<typeof RunOnceOutputSchema>;

export const DaemonStopReasonSchema = lazySchema(() =>
  z.enum(["stop_requested", "max_ticks", "idle", "interrupted", "not_running"]),
);

/** `run daemon --json`: printed once the daemon stops. */
export const RunDaemonOutputSchema = lazySchema(() =>
  z.strictObject({
    run_mode: z.literal("daemon"),
    active_mode_id: z.string(),
    mode_override: z.string().nullable(),
    compiled_plan_id: z.string(),
    ticks: Count,
    stop_reason: DaemonStopReasonSchema,
    interrupted: z.boolean(),
  }),
);
export type RunDaemonOutput = z.infer<typeof RunDaemonOutputSchema>;

/** `demo --json`: where the demo ran, how it ended, and the final status. */
export const DemoOutputSchema = lazySchema(() =>
  z.strictObject({
    workspace: z.string(),
    /** The mode the demo ran (`demo`, or `blueprint_codex` under `--mode blueprint`). */
    mode_id: z.string(),
    ticks: Count,
    stop_reason: DaemonStopReasonSchema,
    status: StatusReportSchema,
  }),
);
export type DemoOutput = z.infer<typeof DemoOutputSchema>;

/** `serve --json`: one line once the dashboard listens (the server then runs until interrupted). */
export const ServeOutputSchema = lazySchema(() =>
  z.strictObject({
    url: z.string(),
    host: z.string(),
    port: z.int().min(1).max(65_535),
    /** False when bound to a non-loopback address (the CLI also prints a warning on stderr). */
    loopback: z.boolean(),
    /** False under `--allow-control`. */
    read_only: z.boolean(),
    /** The control token (64 hex characters) under `--allow-control`, else null. */
    control_token: z.string().nullable(),
    /** `url` with `?token=...`, the address to open to control, else null. */
    control_url: z.string().nullable(),
    workspaces: z.array(z.strictObject({ id: z.string(), name: z.string(), root: z.string() })),
  }),
);
export type ServeOutput = z.infer<typeof ServeOutputSchema>;

// --- doctor (the complete report built by @millrace/scheduler)

export const DoctorGroupSchema = lazySchema(() =>
  z.enum(["workspace", "assets", "config", "lock", "plan", "queue", "runners", "compounding"]),
);
export type DoctorGroup = z.infer<typeof DoctorGroupSchema>;

/** One check: a stable `code`, its group, and where/what/how-to-fix. */
export const FullDoctorCheckSchema = lazySchema(() => DoctorCheckSchema.extend({ group: DoctorGroupSchema }));
export type FullDoctorCheck = z.infer<typeof FullDoctorCheckSchema>;

export const RunnerCredentialStateSchema = lazySchema(() =>
  z.enum(["present", "missing", "not_required", "unknown"]),
);

/** What doctor found about one runner the resolved mode uses. Never holds a secret's value. */
export const DoctorRunnerSchema = lazySchema(() =>
  z.strictObject({
    runner: z.string(),
    /** Compiled node ids (or configured stages) that use this runner. */
    used_by: z.array(z.string()),
    /** The configured command (null for in-process runners). */
    command: z.string().nullable(),
    /** The absolute path the command resolves to, or null when it was not found. */
    resolved_path: z.string().nullable(),
    /** First line of `<command> --version`, or null when unknown. */
    version: z.string().nullable(),
    credentials: RunnerCredentialStateSchema,
    /** Where the credential was found: an environment variable name or a file path. */
    credential_source: z.string().nullable(),
    /** Every permission level the runner's config can select (default, by stage, by model). */
    permission_levels: z.array(z.string()),
  }),
);
export type DoctorRunner = z.infer<typeof DoctorRunnerSchema>;

/** `doctor --json`: exit status 1 when `ok` is false. */
export const FullDoctorReportSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("doctor_report"),
    workspace: z.string(),
    ok: z.boolean(),
    errors: Count,
    warnings: Count,
    /** The mode the checks resolved (runtime.default_mode, aliases resolved), null when unknown. */
    mode_id: z.string().nullable(),
    checks: z.array(FullDoctorCheckSchema),
    runners: z.array(DoctorRunnerSchema),
  }),
);
export type FullDoctorReport = z.infer<typeof FullDoctorReportSchema>;

/** Token and cost totals of a set of ledger entries. */
const UsageTotalsSchema = lazySchema(() =>
  z.strictObject({
    entries: Count,
    input_tokens: z.number(),
    output_tokens: z.number(),
    total_tokens: z.number(),
    cost_usd: z.number(),
    /** Entries with no known cost (counted as 0 in cost_usd). */
    cost_unknown_entries: Count,
  }),
);

/** `usage --json`: the ledger summed over a window, grouped, with each rule's reading now. */
export const UsageReportOutputSchema = lazySchema(() =>
  z.strictObject({
    enabled: z.boolean(),
    generated_at: z.string(),
    window: z.string(),
    /** Start of the window (null for `all`). */
    since: z.string().nullable(),
    by: z.enum(["stage", "model", "item", "day"]),
    totals: UsageTotalsSchema,
    groups: z.array(UsageTotalsSchema.extend({ key: z.string() })),
    rules: z.array(
      z.strictObject({
        source: GovernanceBlockerSourceSchema,
        rule_id: z.string(),
        window: z.string(),
        metric: z.string().nullable(),
        observed: z.number(),
        threshold: z.number(),
        tripped: z.boolean(),
        resume_at: z.string().nullable(),
        detail: z.string(),
      }),
    ),
    paused_by_governance: z.boolean(),
    next_auto_resume_at: z.string().nullable(),
    parked: z.array(ParkedWorkItemSchema),
    ledger_problems: Count,
  }),
);
export type UsageReportOutput = z.infer<typeof UsageReportOutputSchema>;

/** `approvals ls --json`: pending first, then resolved, each as stored. */
export const ApprovalsListingOutputSchema = lazySchema(() =>
  z.strictObject({
    approvals: z.array(CapabilityApprovalSchema),
  }),
);
export type ApprovalsListingOutput = z.infer<typeof ApprovalsListingOutputSchema>;

registerPersistedSchema("cli-error", CliErrorOutputSchema);
registerPersistedSchema("version-output", VersionOutputSchema);
registerPersistedSchema("config-show-output", ConfigShowOutputSchema);
registerPersistedSchema("config-validate-output", ConfigValidateOutputSchema);
registerPersistedSchema("compile-validate-output", CompileValidateOutputSchema);
registerPersistedSchema("compile-show-output", CompileShowOutputSchema);
registerPersistedSchema("compile-graph-output", CompileGraphOutputSchema);
registerPersistedSchema("modes-list-output", ModesListOutputSchema);
registerPersistedSchema("modes-show-output", ModesShowOutputSchema);
registerPersistedSchema("queue-listing", QueueListingSchema);
registerPersistedSchema("queue-item-detail", QueueItemDetailSchema);
registerPersistedSchema("queue-enqueue-output", QueueEnqueueOutputSchema);
registerPersistedSchema("queue-intervention-output", QueueInterventionOutputSchema);
registerPersistedSchema("status-watch-line", StatusWatchLineSchema);
registerPersistedSchema("control-result", ControlResultOutputSchema);
registerPersistedSchema("run-once-output", RunOnceOutputSchema);
registerPersistedSchema("run-daemon-output", RunDaemonOutputSchema);
registerPersistedSchema("demo-output", DemoOutputSchema);
registerPersistedSchema("serve-output", ServeOutputSchema);
registerPersistedSchema("full-doctor-report", FullDoctorReportSchema);
registerPersistedSchema("usage-report", UsageReportOutputSchema);
registerPersistedSchema("approvals-listing", ApprovalsListingOutputSchema);

/**
 * Which schema (by file name under `packages/contracts/schemas/`) describes each command's `--json`
 * output. `docs/json-output.md` is rendered from this table; the CLI's JSON test checks every entry.
 */
export const CLI_JSON_OUTPUTS: ReadonlyArray<{ readonly command: string; readonly schema: string }> = [
  { command: "version", schema: "version-output" },
  { command: "init", schema: "init-report" },
  { command: "upgrade", schema: "upgrade-report" },
  { command: "config show", schema: "config-show-output" },
  { command: "config validate", schema: "config-validate-output" },
  { command: "doctor", schema: "full-doctor-report" },
  { command: "compile validate", schema: "compile-validate-output" },
  { command: "compile show", schema: "compile-show-output" },
  { command: "compile graph", schema: "compile-graph-output" },
  { command: "modes ls", schema: "modes-list-output" },
  { command: "modes show", schema: "modes-show-output" },
  { command: "queue ls", schema: "queue-listing" },
  { command: "queue show", schema: "queue-item-detail" },
  { command: "queue import | add-task | add-spec | add-idea", schema: "queue-enqueue-output" },
  {
    command: "queue cancel | supersede | retarget | resolve | archive | retry-blocked | archive-blocked",
    schema: "queue-intervention-output",
  },
  { command: "incident resolve | cancel | archive-invalid", schema: "queue-intervention-output" },
  { command: "queue release", schema: "control-result" },
  { command: "queue repair-lineage", schema: "lineage-repair-report" },
  { command: "usage", schema: "usage-report" },
  { command: "approvals ls", schema: "approvals-listing" },
  { command: "approvals show", schema: "capability-approval" },
  { command: "approvals approve | deny", schema: "control-result" },
  { command: "interview list", schema: "interview-listing" },
  { command: "interview show", schema: "operator-question" },
  { command: "interview answer | accept | skip", schema: "control-result" },
  { command: "compounding", schema: "compounding-summary" },
  { command: "compounding procedures | facts", schema: "compounding-item-list" },
  { command: "compounding procedures show | facts show", schema: "compounding-item-detail" },
  { command: "compounding procedures promote | deprecate (also facts)", schema: "control-result" },
  { command: "compounding orient", schema: "compounding-orient-output" },
  { command: "compounding lint", schema: "compounding-lint-report" },
  { command: "skills ls", schema: "skill-list" },
  { command: "skills show", schema: "skill-detail" },
  { command: "skills install", schema: "skill-install-output" },
  { command: "skills remove", schema: "installed-skill" },
  { command: "status", schema: "status-report" },
  { command: "status watch (one JSON line per workspace per update)", schema: "status-watch-line" },
  { command: "runs ls", schema: "run-listing" },
  { command: "runs show", schema: "run-detail" },
  { command: "runs tail", schema: "run-tail" },
  { command: "runs trace", schema: "run-trace-graph" },
  {
    command: "events | logs (an array of events; with --follow, one event per line)",
    schema: "runtime-event",
  },
  { command: "run once", schema: "run-once-output" },
  { command: "run daemon", schema: "run-daemon-output" },
  {
    command: "pause | resume | stop | retry-active | clear-stale-state | reload-config",
    schema: "control-result",
  },
  { command: "demo", schema: "demo-output" },
  { command: "supervisor report", schema: "supervisor-report" },
  { command: "supervisor report --workspace A --workspace B", schema: "supervisor-fleet-report" },
  { command: "sentinel check", schema: "sentinel-check" },
  { command: "sentinel acknowledge", schema: "sentinel-state" },
  { command: "sentinel status", schema: "sentinel-status-output" },
  { command: "sentinel watch", schema: "sentinel-watch-output" },
  { command: "sentinel incident", schema: "sentinel-incident-output" },
  { command: "recovery request", schema: "recovery-request" },
  { command: "model-aliases list", schema: "model-aliases-listing" },
  { command: "model-aliases show", schema: "model-alias-view" },
  {
    command:
      "model-aliases set | remove | assign-global | assign-loop | assign-stage | clear-global | clear-loop | clear-stage",
    schema: "model-aliases-update-output",
  },
  { command: "publish sync", schema: "publish-sync-report" },
  { command: "publish preflight", schema: "publish-preflight-report" },
  { command: "publish commit", schema: "publish-commit-result" },
  { command: "serve (one line once listening)", schema: "serve-output" },
  { command: "any command that fails", schema: "cli-error" },
];

/** `docs/json-output.md`: each command and the JSON Schema file of its `--json` output. */
export function renderJsonOutputDoc(): string {
  const lines = [
    "# JSON output",
    "",
    "<!-- Generated from CLI_JSON_OUTPUTS in packages/contracts/src/cli-output.ts by `pnpm docs:generate`. Do not edit. -->",
    "",
    "Every inspection and action command takes the global `--json` flag. Its output is one JSON",
    "document on stdout (for `status watch`, one document per line), and its shape is a zod schema in",
    "`@millrace/contracts` with a generated JSON Schema next to it in",
    "`packages/contracts/schemas/` (also shipped in the package as `@millrace/contracts/schemas/<file>`).",
    "A test runs each command against a real workspace and validates what it prints.",
    "",
    "Failures print the `cli-error` shape instead and exit 1 (failure), 2 (usage) or 3 (not",
    "initialized / refused); the codes are listed in [errors.md](errors.md).",
    "",
    "| Command | Schema file |",
    "|---|---|",
    ...CLI_JSON_OUTPUTS.map(
      (entry) => `| \`millrace ${entry.command}\` | \`schemas/${entry.schema}.schema.json\` |`,
    ),
    "",
    "Compatibility: fields are only ever added; a removed or renamed field is a breaking change and",
    "comes with a major version and a changeset that says so.",
    "",
  ];
  return lines.join("\n");
}
