import { z } from "zod";
import {
  PermissionLevelSchema,
  ReasoningEffortSchema,
  RuntimeModeSchema,
  ThinkingLevelSchema,
} from "./enums.js";
import { CANONICAL_ID_PATTERN } from "./ids.js";

/**
 * `millrace-agents/millrace.toml`. Every table is strict: an unknown key is a configuration error
 * that names the key. Defaults are applied by parsing, so `MillraceConfigSchema.parse({})` is the
 * complete default configuration.
 */

const PermissionMapSchema = z.record(z.string().regex(CANONICAL_ID_PATTERN), PermissionLevelSchema);
const EnvSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"),
  z.string(),
);

export const RuntimeConfigSchema = z.strictObject({
  default_mode: z.string().min(1).default("default_codex"),
  run_style: RuntimeModeSchema.default("daemon"),
  idle_sleep_seconds: z.number().positive().default(1.0),
});

export const CodexRunnerConfigSchema = z.strictObject({
  command: z.string().min(1).default("codex"),
  args: z.array(z.string()).default(["exec"]),
  profile: z.string().min(1).optional(),
  permission_default: PermissionLevelSchema.default("maximum"),
  permission_by_stage: PermissionMapSchema.default({}),
  permission_by_model: z.record(z.string(), PermissionLevelSchema).default({}),
  model_reasoning_effort: ReasoningEffortSchema.optional(),
  skip_git_repo_check: z.boolean().default(true),
  extra_config: z.array(z.string()).default([]),
  env: EnvSchema.default({}),
});

const PI_RESERVED_FLAGS = [
  "--mode",
  "--no-session",
  "--provider",
  "--model",
  "--thinking",
  "--no-context-files",
  "--no-skills",
];

export const PiRunnerConfigSchema = z.strictObject({
  command: z.string().min(1).default("pi"),
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
    }),
  provider: z.string().min(1).optional(),
  thinking: ThinkingLevelSchema.optional(),
  disable_context_files: z.boolean().default(true),
  disable_skills: z.boolean().default(true),
  event_log_policy: z.enum(["failure_full", "full"]).default("failure_full"),
  env: EnvSchema.default({}),
});

export const ClaudeRunnerConfigSchema = z.strictObject({
  command: z.string().min(1).default("claude"),
  args: z.array(z.string()).default([]),
  permission_default: PermissionLevelSchema.default("maximum"),
  permission_by_stage: PermissionMapSchema.default({}),
  permission_by_model: z.record(z.string(), PermissionLevelSchema).default({}),
  env: EnvSchema.default({}),
});

export const ScriptedRunnerConfigSchema = z.strictObject({
  /** Script file, relative to the runtime root (`millrace-agents/`) unless absolute. */
  script: z.string().min(1).default("scripted/demo-script.json"),
  /** Run each stage in a child process instead of in-process. */
  subprocess: z.boolean().default(false),
});

export const RunnersConfigSchema = z.strictObject({
  default_runner: z.string().min(1).default("codex_cli"),
  codex: CodexRunnerConfigSchema.prefault({}),
  pi: PiRunnerConfigSchema.prefault({}),
  claude: ClaudeRunnerConfigSchema.prefault({}),
  scripted: ScriptedRunnerConfigSchema.prefault({}),
});

export const RecoveryConfigSchema = z.strictObject({
  max_fix_cycles: z.int().positive().default(2),
  max_troubleshoot_attempts_before_consult: z.int().positive().default(2),
  max_mechanic_attempts: z.int().positive().default(2),
  /** Our addition (DESIGN decision 4): CONSULT_COMPLETE → troubleshooter is capped. */
  max_consultant_invocations: z.int().positive().default(2),
  stale_state_recovery_enabled: z.boolean().default(true),
});

export const WatchersConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  debounce_ms: z.int().nonnegative().default(250),
  watch_ideas_inbox: z.boolean().default(true),
  watch_specs_queue: z.boolean().default(true),
  /** Our addition (DESIGN decision 7): config edits are applied at a safe boundary. */
  watch_config: z.boolean().default(true),
});

export const RuntimeTokenRuleSchema = z.strictObject({
  rule_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  window: z.enum(["rolling_5h", "calendar_week", "daemon_session", "per_run"]),
  metric: z.literal("total_tokens").default("total_tokens"),
  threshold: z.number().positive(),
});

export const SubscriptionQuotaRuleSchema = z.strictObject({
  rule_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  window: z.enum(["five_hour", "weekly"]),
  pause_at_percent_used: z.number().gt(0).lte(100),
});

export const UsageGovernanceConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  auto_resume: z.boolean().default(true),
  evaluation_boundary: z.literal("between_stages").default("between_stages"),
  calendar_timezone: z.string().min(1).default("UTC"),
  runtime_token_rules: z
    .strictObject({
      enabled: z.boolean().default(true),
      rules: z.array(RuntimeTokenRuleSchema).default([
        { rule_id: "rolling-5h-default", window: "rolling_5h", metric: "total_tokens", threshold: 750000 },
        {
          rule_id: "calendar-week-default",
          window: "calendar_week",
          metric: "total_tokens",
          threshold: 5000000,
        },
      ]),
    })
    .prefault({}),
  subscription_quota_rules: z
    .strictObject({
      enabled: z.boolean().default(false),
      provider: z.literal("codex_chatgpt_oauth").default("codex_chatgpt_oauth"),
      degraded_policy: z.enum(["fail_open", "fail_closed"]).default("fail_open"),
      refresh_interval_seconds: z.number().positive().default(60),
      rules: z.array(SubscriptionQuotaRuleSchema).default([
        { rule_id: "codex-five-hour-default", window: "five_hour", pause_at_percent_used: 95 },
        { rule_id: "codex-weekly-default", window: "weekly", pause_at_percent_used: 95 },
      ]),
    })
    .prefault({}),
});

export const StageConfigSchema = z.strictObject({
  runner: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  model_reasoning_effort: ReasoningEffortSchema.optional(),
  thinking_level: ThinkingLevelSchema.optional(),
  timeout_seconds: z.number().positive().optional(),
});

const CapabilityDecisionSchema = z.enum(["allow", "deny", "approval_required"]);

export const ExecutionCapabilitiesConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  default_unknown_capability: CapabilityDecisionSchema.default("deny"),
  allow_advisory_grants: z.boolean().default(true),
  fail_required_advisory: z.boolean().default(false),
  defaults: z
    .strictObject({
      network_access: CapabilityDecisionSchema.default("deny"),
      package_install: CapabilityDecisionSchema.default("approval_required"),
      git_mutate: CapabilityDecisionSchema.default("approval_required"),
      shell_run: CapabilityDecisionSchema.default("allow"),
      workspace_write: CapabilityDecisionSchema.default("allow"),
    })
    .prefault({}),
});

export const MillraceConfigSchema = z.strictObject({
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
});

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
    execution_capabilities: config.execution_capabilities,
  };
}
