import { z } from "zod";
import { type ConfigRange, withConfigRange } from "./config-range.js";
import {
  PermissionLevelSchema,
  ReasoningEffortSchema,
  RuntimeModeSchema,
  ThinkingLevelSchema,
} from "./enums.js";
import { CANONICAL_ID_PATTERN } from "./ids.js";
import { lazySchema } from "./lazy-schema.js";
import { LimitsConfigSchema } from "./limits-config.js";
import { LivenessConfigSchema } from "./liveness.js";
import { ModelAliasIdSchema, ModelAliasSchema, ModelAssignmentConfigSchema } from "./model-aliases.js";
import { SentinelConfigSchema } from "./sentinel-config.js";

export const USAGE_METRICS = ["total_tokens", "input_tokens", "output_tokens", "cost_usd"] as const;
export const UsageMetricSchema = lazySchema(() => z.enum(USAGE_METRICS));
export type UsageMetric = z.infer<typeof UsageMetricSchema>;

/**
 * `millrace-agents/millrace.toml`. Every table is strict: an unknown key is a configuration error
 * that names the key. Defaults are applied by parsing, so `MillraceConfigSchema.parse({})` is the
 * complete default configuration.
 */

const PermissionMapSchema = lazySchema(() =>
  z.record(z.string().regex(CANONICAL_ID_PATTERN), PermissionLevelSchema),
);
const EnvSchema = lazySchema(() =>
  z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"), z.string()),
);

export const RuntimeConfigSchema = lazySchema(() =>
  z.strictObject({
    default_mode: z
      .string()
      .min(1)
      .default("default_codex")
      .describe(
        "Mode the runtime compiles and runs: a named set of stage graphs (one per plane) and per-stage settings, from modes/.",
      ),
    run_style: RuntimeModeSchema.default("daemon").describe(
      "What a bare run does: daemon keeps ticking until stopped, once runs a single tick.",
    ),
    idle_sleep_seconds: withConfigRange(z.number().positive(), { min: 0.01, max: 3600, unit: "seconds" })
      .default(1.0)
      .describe("Seconds a daemon sleeps between ticks when there is nothing to do."),
  }),
);

export const CodexRunnerConfigSchema = lazySchema(() =>
  z.strictObject({
    command: z
      .string()
      .min(1)
      .default("codex")
      .describe("Codex executable: a name looked up on PATH, or a path."),
    args: z.array(z.string()).default(["exec"]).describe("Arguments placed before the ones Millrace adds."),
    profile: z.string().min(1).optional().describe("Codex profile to select (--profile)."),
    permission_default: PermissionLevelSchema.default("maximum").describe(
      "Sandbox and approval level when [execution_capabilities] is off (otherwise the stage's grants decide): basic (workspace-write sandbox), elevated (full-access sandbox) or maximum (no sandbox, no approvals); normal means basic.",
    ),
    permission_by_stage: PermissionMapSchema.default({}).describe(
      'Permission level per stage name, for example { checker = "basic" }; wins over the model and default levels.',
    ),
    permission_by_model: z
      .record(z.string(), PermissionLevelSchema)
      .default({})
      .describe("Permission level per model name; wins over permission_default."),
    model_reasoning_effort: ReasoningEffortSchema.optional().describe(
      "Reasoning effort for every Codex stage that does not set its own: low, medium, high or xhigh.",
    ),
    skip_git_repo_check: z.boolean().default(true).describe("Let Codex run outside a git checkout."),
    extra_config: z
      .array(z.string())
      .default([])
      .describe("Extra `-c key=value` overrides passed to Codex unchanged."),
    env: EnvSchema.default({}).describe(
      "Environment variables added to Codex runs; values never reach logs or run artifacts.",
    ),
  }),
);

const PI_RESERVED_FLAGS = [
  "--mode",
  "--no-session",
  "--provider",
  "--model",
  "--thinking",
  "--no-context-files",
  "--no-skills",
];

export const PiRunnerConfigSchema = lazySchema(() =>
  z.strictObject({
    command: z.string().min(1).default("pi").describe("Pi executable: a name looked up on PATH, or a path."),
    args: z
      .array(z.string())
      .default([])
      .superRefine((args, ctx) => {
        for (const arg of args) {
          const flag = arg.split("=")[0] ?? arg;
          if (PI_RESERVED_FLAGS.includes(flag)) {
            ctx.addIssue({
              code: "custom",
              message: `${flag} is set by Millrace itself; use the matching runners.pi key instead`,
            });
          }
        }
      })
      .describe(
        "Extra arguments for Pi. Flags Millrace sets itself (--mode, --no-session, --provider, --model, --thinking, --no-context-files, --no-skills) are refused.",
      ),
    provider: z
      .string()
      .min(1)
      .optional()
      .describe("Model provider Pi uses (for example anthropic or openai)."),
    thinking: ThinkingLevelSchema.optional().describe(
      "Thinking level for Pi stages that do not set their own: off, minimal, low, medium, high or xhigh.",
    ),
    disable_context_files: z
      .boolean()
      .default(true)
      .describe(
        "Start Pi without project context files (AGENTS.md and the like); the stage prompt is the contract.",
      ),
    disable_skills: z
      .boolean()
      .default(true)
      .describe("Start Pi without its own skills; Millrace attaches the skills a stage needs."),
    event_log_policy: z
      .enum(["failure_full", "full"])
      .default("failure_full")
      .describe(
        "Keep Pi's full event stream for failed stages only (failure_full) or for every stage (full).",
      ),
    env: EnvSchema.default({}).describe(
      "Environment variables added to Pi runs; values never reach logs or run artifacts.",
    ),
  }),
);

export const ClaudeRunnerConfigSchema = lazySchema(() =>
  z.strictObject({
    command: z
      .string()
      .min(1)
      .default("claude")
      .describe("Claude Code executable: a name looked up on PATH, or a path."),
    args: z.array(z.string()).default([]).describe("Arguments placed before the ones Millrace adds."),
    permission_default: PermissionLevelSchema.default("maximum").describe(
      "Permission level when [execution_capabilities] is off (otherwise the stage's grants decide): basic, elevated or maximum (maximum skips every permission prompt).",
    ),
    permission_by_stage: PermissionMapSchema.default({}).describe(
      "Permission level per stage name; wins over the model and default levels.",
    ),
    permission_by_model: z
      .record(z.string(), PermissionLevelSchema)
      .default({})
      .describe("Permission level per model name; wins over permission_default."),
    env: EnvSchema.default({}).describe(
      "Environment variables added to Claude Code runs; values never reach logs or run artifacts.",
    ),
  }),
);

export const ScriptedRunnerConfigSchema = lazySchema(() =>
  z.strictObject({
    /** Script file, relative to the runtime root (`millrace-agents/`) unless absolute. */
    script: z
      .string()
      .min(1)
      .default("scripted/demo-script.json")
      .describe("Script file with the outcome of each stage, relative to millrace-agents/ unless absolute."),
    /** Run each stage in a child process instead of in-process. */
    subprocess: z
      .boolean()
      .default(false)
      .describe("Run each scripted stage in a child process instead of in-process."),
  }),
);

export const RunnersConfigSchema = lazySchema(() =>
  z.strictObject({
    default_runner: z
      .string()
      .min(1)
      .default("codex_cli")
      .describe(
        "Runner for stages whose mode and [stages.<stage>] name none: codex_cli, claude_code, pi_rpc or scripted.",
      ),
    codex: CodexRunnerConfigSchema.prefault({}),
    pi: PiRunnerConfigSchema.prefault({}),
    claude: ClaudeRunnerConfigSchema.prefault({}),
    scripted: ScriptedRunnerConfigSchema.prefault({}),
  }),
);

export const RecoveryConfigSchema = lazySchema(() =>
  z.strictObject({
    max_fix_cycles: withConfigRange(z.int().positive(), { min: 1, max: 100, integer: true, unit: "cycles" })
      .default(2)
      .describe("Fix cycles (the checker asks for fixes, the fixer runs) per task before it escalates."),
    max_troubleshoot_attempts_before_consult: withConfigRange(z.int().positive(), {
      min: 1,
      max: 100,
      integer: true,
      unit: "attempts",
    })
      .default(2)
      .describe("Troubleshooter attempts on one item before the consultant is called."),
    max_mechanic_attempts: withConfigRange(z.int().positive(), {
      min: 1,
      max: 100,
      integer: true,
      unit: "attempts",
    })
      .default(2)
      .describe("Mechanic attempts on the planning plane before the item is blocked."),
    /** Our addition (DESIGN decision 4): CONSULT_COMPLETE → troubleshooter is capped. */
    max_consultant_invocations: withConfigRange(z.int().positive(), {
      min: 1,
      max: 100,
      integer: true,
      unit: "runs",
    })
      .default(2)
      .describe("Consultant runs per work item before it is blocked instead of looping."),
    /** Bounded autonomous recovery (v0.10): requeue work blocked by a transient failure. */
    auto_retry_attempts: withConfigRange(z.int().nonnegative(), {
      min: 0,
      max: 10,
      integer: true,
      unit: "attempts",
    })
      .default(0)
      .describe(
        "Automatic requeues per item blocked by a transient failure (runner timeout, provider or transport failure); never after illegal output or a denied capability. 0 turns them off.",
      ),
    auto_retry_backoff_seconds: withConfigRange(z.number().positive(), {
      min: 1,
      max: 86_400,
      unit: "seconds",
    })
      .default(60)
      .describe(
        "Seconds from the block to the first automatic requeue; each later retry of the same item waits twice as long as the one before.",
      ),
    stale_state_recovery_enabled: z
      .boolean()
      .default(true)
      .describe("Kept so existing workspaces stay valid; has no effect."),
  }),
);

export const WatchersConfigSchema = lazySchema(() =>
  z.strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe("Watch the workspace for new work and commands instead of only checking between ticks."),
    debounce_ms: withConfigRange(z.int().nonnegative(), {
      min: 0,
      max: 60_000,
      integer: true,
      unit: "milliseconds",
    })
      .default(250)
      .describe("Milliseconds a burst of file events may take to settle."),
    watch_ideas_inbox: z
      .boolean()
      .default(true)
      .describe("Pick up ideas dropped into <workspace>/ideas/inbox/."),
    watch_specs_queue: z
      .boolean()
      .default(true)
      .describe("Pick up specs written straight into millrace-agents/specs/queue/."),
    /** Our addition (DESIGN decision 7): config edits are applied at a safe boundary. */
    watch_config: z
      .boolean()
      .default(true)
      .describe("Apply edits to millrace.toml at the next safe point between stages."),
  }),
);

// Token and dollar amounts stay far below 2^53, so sums over a long ledger remain exact integers.
const TOKEN_OR_USD_RANGE: ConfigRange = {
  min: 0,
  minExclusive: true,
  max: 1e15,
  unit: "tokens, or US dollars for cost_usd",
};
const BUDGET_USD_RANGE: ConfigRange = { min: 0, minExclusive: true, max: 1e12, unit: "US dollars" };
const budgetTokens = () =>
  withConfigRange(z.number().positive(), { min: 0, minExclusive: true, max: 1e15, unit: "tokens" });

export const RuntimeTokenRuleSchema = lazySchema(() =>
  z.strictObject({
    rule_id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
      .describe("Name of the rule (a safe id), shown when it pauses the runtime."),
    window: z
      .enum(["rolling_5h", "calendar_week", "daemon_session", "per_run"])
      .describe("What the rule counts over: rolling_5h, calendar_week, daemon_session or per_run."),
    metric: UsageMetricSchema.default("total_tokens").describe(
      "What is counted: total_tokens, input_tokens, output_tokens or cost_usd (runner-reported cost, else the price table).",
    ),
    threshold: withConfigRange(z.number().positive(), TOKEN_OR_USD_RANGE).describe(
      "Amount (tokens, or US dollars for cost_usd) at which the runtime pauses.",
    ),
  }),
);

/** A time zone is valid when `Intl` knows it; an unknown name is refused, never read as UTC. */
export function isKnownTimeZone(name: string): boolean {
  // Asking ICU costs about 0.1 ms per call (and ~10 ms the first time, loading its zone data), and
  // every config load asks: the answer for a name does not change within a process.
  if (name === "UTC") return true;
  let known = knownTimeZones.get(name);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: name });
      known = true;
    } catch {
      known = false;
    }
    if (knownTimeZones.size < 64) knownTimeZones.set(name, known);
  }
  return known;
}

const knownTimeZones = new Map<string, boolean>();

const UsdPerMillionSchema = lazySchema(() =>
  withConfigRange(z.number().nonnegative(), {
    min: 0,
    max: 1_000_000,
    unit: "US dollars",
  }),
);

export const ModelPriceSchema = lazySchema(() =>
  z.strictObject({
    input_usd_per_million: UsdPerMillionSchema.describe(
      "US dollars per million input tokens (cache reads excluded).",
    ),
    cached_input_usd_per_million: UsdPerMillionSchema.optional().describe(
      "US dollars per million cache-read input tokens; unset means the input price.",
    ),
    output_usd_per_million: UsdPerMillionSchema.describe("US dollars per million output tokens."),
  }),
);
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

export const BudgetLimitSchema = lazySchema(() =>
  z
    .strictObject({
      total_tokens: budgetTokens().optional().describe("Most total tokens."),
      input_tokens: budgetTokens().optional().describe("Most input tokens."),
      output_tokens: budgetTokens().optional().describe("Most output tokens."),
      cost_usd: withConfigRange(z.number().positive(), BUDGET_USD_RANGE)
        .optional()
        .describe("Most US dollars."),
    })
    .refine((limit) => USAGE_METRICS.some((metric) => limit[metric] !== undefined), {
      message: "a budget sets at least one of total_tokens, input_tokens, output_tokens, cost_usd",
    }),
);
export type BudgetLimit = z.infer<typeof BudgetLimitSchema>;

export const UsageBudgetsConfigSchema = lazySchema(() =>
  z.strictObject({
    per_work_item: BudgetLimitSchema.optional().describe(
      "Spend limit of one work item (every stage, every run).",
    ),
    per_lineage: BudgetLimitSchema.optional().describe(
      "Spend limit of one spec lineage: every work item descended from the same root.",
    ),
    per_stage_kind: z
      .record(
        z.string().regex(CANONICAL_ID_PATTERN, "stage kinds are lower-case ids such as builder"),
        BudgetLimitSchema,
      )
      .default({})
      .describe("Spend limit of one work item's stages of a given kind, per stage kind id."),
  }),
);

export const SubscriptionQuotaRuleSchema = lazySchema(() =>
  z.strictObject({
    rule_id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
      .describe("Name of the rule (a safe id)."),
    window: z.enum(["five_hour", "weekly"]).describe("Provider quota window: five_hour or weekly."),
    pause_at_percent_used: withConfigRange(z.number().gt(0).lte(100), {
      min: 0,
      minExclusive: true,
      max: 100,
      unit: "percent",
    }).describe("Pause when this share of the window's quota is used (over 0, at most 100)."),
  }),
);

function refuseDuplicateRuleIds(rules: readonly { rule_id: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  rules.forEach((rule, index) => {
    if (seen.has(rule.rule_id)) {
      ctx.addIssue({
        code: "custom",
        message: `rule_id ${rule.rule_id} is used twice; give each rule its own rule_id`,
        path: [index, "rule_id"],
      });
    }
    seen.add(rule.rule_id);
  });
}

export const UsageGovernanceConfigSchema = lazySchema(() =>
  z.strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe("Turn usage governance on: pause the runtime when token usage crosses a rule."),
    auto_resume: z.boolean().default(true).describe("Resume by itself once usage is back under every rule."),
    evaluation_boundary: z
      .literal("between_stages")
      .default("between_stages")
      .describe("When rules are evaluated; between_stages is the only value."),
    calendar_timezone: z
      .string()
      .min(1)
      .default("UTC")
      .refine(isKnownTimeZone, {
        message: "unknown time zone; use an IANA name such as UTC, Europe/Paris or America/New_York",
      })
      .describe("IANA time zone of calendar windows: calendar_week rolls at Monday 00:00 there."),
    runtime_token_rules: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe("Count the tokens that Millrace's own stage runs report."),
        rules: z
          .array(RuntimeTokenRuleSchema)
          .default([
            {
              rule_id: "rolling-5h-default",
              window: "rolling_5h",
              metric: "total_tokens",
              threshold: 750000,
            },
            {
              rule_id: "calendar-week-default",
              window: "calendar_week",
              metric: "total_tokens",
              threshold: 5000000,
            },
          ])
          .superRefine(refuseDuplicateRuleIds)
          .describe("Token rules; writing any replaces both defaults."),
      })
      .prefault({}),
    subscription_quota_rules: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe("Also read the subscription's quota usage from the provider."),
        provider: z
          .literal("codex_chatgpt_oauth")
          .default("codex_chatgpt_oauth")
          .describe("Where quota usage is read from; codex_chatgpt_oauth is the only value."),
        degraded_policy: z
          .enum(["fail_open", "fail_closed"])
          .default("fail_open")
          .describe("When quota usage cannot be read: keep running (fail_open) or pause (fail_closed)."),
        refresh_interval_seconds: withConfigRange(z.number().positive(), {
          min: 1,
          max: 86_400,
          unit: "seconds",
        })
          .default(60)
          .describe("Seconds between quota reads."),
        rules: z
          .array(SubscriptionQuotaRuleSchema)
          .default([
            { rule_id: "codex-five-hour-default", window: "five_hour", pause_at_percent_used: 95 },
            { rule_id: "codex-weekly-default", window: "weekly", pause_at_percent_used: 95 },
          ])
          .superRefine(refuseDuplicateRuleIds)
          .describe("Quota rules; writing any replaces both defaults."),
      })
      .prefault({}),
    prices: z
      .record(z.string().min(1), ModelPriceSchema)
      .default({})
      .describe(
        'Price per model name, used for the cost of results whose runner reports none, e.g. [usage_governance.prices."gpt-5-codex"].',
      ),
    budgets: UsageBudgetsConfigSchema.prefault({}),
    quota_window_scheduling: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            "Hold a stage whose typical cost would cross a limit when that limit's window rolls soon.",
          ),
        horizon_minutes: withConfigRange(z.number().positive(), {
          min: 0,
          minExclusive: true,
          max: 10_080,
          unit: "minutes",
        })
          .default(30)
          .describe("How soon (minutes) a window must roll for a stage to wait for it."),
      })
      .prefault({}),
  }),
);

export const StageConfigSchema = lazySchema(() =>
  z.strictObject({
    runner: z.string().min(1).optional().describe("Runner for this stage."),
    model: z.string().min(1).optional().describe("Model name handed to the runner."),
    model_reasoning_effort: ReasoningEffortSchema.optional().describe(
      "Reasoning effort (Codex): low, medium, high or xhigh.",
    ),
    thinking_level: ThinkingLevelSchema.optional().describe(
      "Runner-neutral thinking level: off, minimal, low, medium, high or xhigh; must agree with model_reasoning_effort when both are set.",
    ),
    timeout_seconds: withConfigRange(z.number().positive(), { min: 1, max: 604_800, unit: "seconds" })
      .optional()
      .describe("Seconds before the stage is stopped and treated as timed out (default 3600)."),
  }),
);

const CapabilityDecisionSchema = lazySchema(() => z.enum(["allow", "deny", "approval_required"]));

export const ExecutionCapabilitiesConfigSchema = lazySchema(() =>
  z.strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Check what a stage may do (network, installs, git changes, ...) before it runs, and derive the runners' sandbox and permission flags from its grants.",
      ),
    default_unknown_capability: CapabilityDecisionSchema.default("deny").describe(
      "Decision for a capability not listed in defaults: allow, deny or approval_required.",
    ),
    allow_advisory_grants: z
      .boolean()
      .default(true)
      .describe("Accept grants a stage declares only as advisory."),
    fail_required_advisory: z
      .boolean()
      .default(false)
      .describe("Fail a stage whose required capability is granted only as advisory."),
    unenforceable: z
      .enum(["refuse", "advisory"])
      .default("refuse")
      .describe(
        "A required grant that needs enforcement its runner cannot give, or a Codex stage on a host where Codex's own sandbox cannot run: refuse blocks the stage; advisory runs it with the grant recorded as advisory (runs show and the monitor say why), Codex then without its sandbox.",
      ),
    defaults: z
      .strictObject({
        network_access: CapabilityDecisionSchema.default("deny").describe("Decision for network access."),
        package_install: CapabilityDecisionSchema.default("approval_required").describe(
          "Decision for installing packages.",
        ),
        git_mutate: CapabilityDecisionSchema.default("approval_required").describe(
          "Decision for changing git state (commit, branch, push).",
        ),
        shell_run: CapabilityDecisionSchema.default("allow").describe("Decision for running shell commands."),
        workspace_write: CapabilityDecisionSchema.default("allow").describe(
          "Decision for writing files in the workspace.",
        ),
      })
      .prefault({}),
  }),
);

export const CompoundingConfigSchema = lazySchema(() =>
  z.strictObject({
    // The values of CompoundingProfileSchema (compounding.ts), repeated: that module registers its
    // schemas with json-schema.ts, which reads this one, so importing it here would form a cycle.
    profile: z
      .enum(["baseline", "compounding", "governed_plus"])
      .default("compounding")
      .describe(
        "What promoted knowledge each stage's prompt receives: baseline (nothing), compounding (procedures) or governed_plus (procedures, then context facts, under one combined budget).",
      ),
  }),
);

/** `[execution]`: parallel lanes in git worktrees (docs/lanes.md). */
export const ExecutionConfigSchema = lazySchema(() =>
  z.strictObject({
    lanes: withConfigRange(z.int().positive(), { min: 1, max: 32, integer: true, unit: "lanes" })
      .default(1)
      .describe(
        "Execution items that run at once, each in its own git worktree on branch millrace/<item-id>; 1 runs one item at a time in the workspace itself.",
      ),
    landing: z
      .enum(["fast_forward", "merge_commit"])
      .default("fast_forward")
      .describe(
        "How a lane's branch lands on the workspace branch at the item's terminal success: fast_forward when possible (else a merge commit), or always a merge commit.",
      ),
  }),
);

export const MillraceConfigSchema = lazySchema(() =>
  z.strictObject({
    runtime: RuntimeConfigSchema.prefault({}),
    runners: RunnersConfigSchema.prefault({}),
    recovery: RecoveryConfigSchema.prefault({}),
    watchers: WatchersConfigSchema.prefault({}),
    usage_governance: UsageGovernanceConfigSchema.prefault({}),
    stages: z
      .record(
        z.string().regex(CANONICAL_ID_PATTERN, "stage names are lower-case ids such as builder"),
        StageConfigSchema,
      )
      .default({}),
    execution_capabilities: ExecutionCapabilitiesConfigSchema.prefault({}),
    liveness: LivenessConfigSchema.prefault({}),
    sentinel: SentinelConfigSchema.prefault({}),
    compounding: CompoundingConfigSchema.prefault({}),
    execution: ExecutionConfigSchema.prefault({}),
    limits: LimitsConfigSchema.prefault({}),
    model_aliases: z.record(ModelAliasIdSchema, ModelAliasSchema).default({}),
    model_assignment: ModelAssignmentConfigSchema.prefault({}),
  }),
);

export type MillraceConfig = z.infer<typeof MillraceConfigSchema>;
export type MillraceConfigInput = z.input<typeof MillraceConfigSchema>;
export type StageConfig = z.infer<typeof StageConfigSchema>;

/**
 * Where a config change takes effect (DESIGN decision 7). `recompile` keys are structural: they are
 * part of the compiled plan's fingerprint and make the plan stale. Every other key is `next_tick`:
 * applied at the next safe boundary without touching the plan.
 */
export type ConfigApplyBoundary = "recompile" | "next_tick";

export const STRUCTURAL_CONFIG_PATHS: readonly string[] = [
  "runtime.default_mode",
  "stages",
  "recovery.max_fix_cycles",
  "recovery.max_troubleshoot_attempts_before_consult",
  "recovery.max_mechanic_attempts",
  "recovery.max_consultant_invocations",
  "runners.default_runner",
  "runners.codex.model_reasoning_effort",
  "execution_capabilities",
  "model_aliases",
  "model_assignment",
];

export function configApplyBoundary(dottedKey: string): ConfigApplyBoundary {
  return STRUCTURAL_CONFIG_PATHS.some((path) => dottedKey === path || dottedKey.startsWith(`${path}.`))
    ? "recompile"
    : "next_tick";
}

/** The structural part of a config: the only part the compiled plan's fingerprint covers. */
export function structuralConfigView(config: MillraceConfig): Record<string, unknown> {
  return {
    runtime: { default_mode: config.runtime.default_mode },
    stages: config.stages,
    recovery: {
      max_fix_cycles: config.recovery.max_fix_cycles,
      max_troubleshoot_attempts_before_consult: config.recovery.max_troubleshoot_attempts_before_consult,
      max_mechanic_attempts: config.recovery.max_mechanic_attempts,
      max_consultant_invocations: config.recovery.max_consultant_invocations,
    },
    runners: {
      default_runner: config.runners.default_runner,
      codex: { model_reasoning_effort: config.runners.codex.model_reasoning_effort ?? null },
    },
    execution_capabilities: executionCapabilitiesView(config.execution_capabilities),
    // Only a config that uses aliases adds them, so existing plans keep their fingerprints.
    ...(usesModelAliases(config)
      ? { model_aliases: config.model_aliases, model_assignment: config.model_assignment }
      : {}),
  };
}

/** `unenforceable` only when it is not the default, so existing plans keep their fingerprints. */
function executionCapabilitiesView(
  capabilities: MillraceConfig["execution_capabilities"],
): Record<string, unknown> {
  const { unenforceable, ...rest } = capabilities;
  return unenforceable === "refuse" ? rest : capabilities;
}

/** Whether a config defines or assigns any model alias (the defaults do neither). */
export function usesModelAliases(config: MillraceConfig): boolean {
  const assignment = config.model_assignment;
  return (
    Object.keys(config.model_aliases).length > 0 ||
    assignment.enabled ||
    assignment.default_alias !== "standard" ||
    assignment.invalid_assignment_policy !== "warn_fallback" ||
    Object.keys(assignment.by_loop).length > 0 ||
    Object.keys(assignment.by_stage).length > 0
  );
}
