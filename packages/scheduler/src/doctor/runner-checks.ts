import type {
  DoctorRunner,
  FullDoctorCheck,
  MillraceConfig,
  PreflightResult,
  PreflightStage,
  RunnerEnvironment,
} from "@millrace/contracts";
import { compareCodeUnits } from "@millrace/contracts";
import { type RunnerRegistry, resolveCommand } from "@millrace/runners";
import { DOCTOR_CHECK_CODES, type DoctorCheckCode } from "./codes.js";
import type { UsedNode } from "./plan-checks.js";

export type Env = RunnerEnvironment;

/** Resolves a command to an absolute executable path, or null. Injectable for tests. */
export type WhichFn = (command: string, env: Env) => string | null;

/** PATH lookup like the runners do it: a command with a slash is a path, otherwise each PATH entry. */
export const defaultWhich: WhichFn = resolveCommand;

export interface RunnerCheckInput {
  readonly config: MillraceConfig;
  readonly env: Env;
  readonly runtimeRoot: string;
  /** Runner name → node ids (or configured stages) that use it. */
  readonly used: ReadonlyMap<string, readonly string[]>;
  /** The compiled nodes of each runner, when the mode compiles (for effective permission levels). */
  readonly nodes?: ReadonlyMap<string, readonly UsedNode[]>;
  readonly registry: RunnerRegistry;
  readonly which: WhichFn;
  /** The mode whose runners these are (named in the `mode_runner_unavailable` error). */
  readonly modeId?: string | null;
  readonly versionTimeoutMs?: number;
  /** Run `--version` (default true). */
  readonly probeVersion?: boolean;
}

interface RunnerFound {
  checks: FullDoctorCheck[];
  summary: DoctorRunner;
}

function check(code: DoctorCheckCode, message: string, file: string | null = null): FullDoctorCheck {
  const entry = DOCTOR_CHECK_CODES[code];
  return {
    code,
    group: "runners",
    status: entry.status,
    path: file,
    message,
    hint: entry.status === "ok" ? null : entry.action,
  };
}

function executableChecks(
  runner: string,
  found: NonNullable<PreflightResult["executable"]>,
): FullDoctorCheck[] {
  const { command, resolved_path: resolved } = found;
  if (!resolved) {
    const where = command.includes("/") ? "" : " on PATH";
    return [
      check(
        "runner_binary_missing",
        `${runner}: command ${command} was not found${where} (${found.config_key})`,
      ),
    ];
  }
  return [
    check("runner_binary_found", `${runner}: ${command} resolves to ${resolved}`, resolved),
    found.node_script !== null
      ? check(
          "runner_version_skipped",
          `${runner}: launched as node ${found.node_script}; version not probed`,
        )
      : found.version
        ? check("runner_version", `${runner}: ${found.version}`, resolved)
        : check("runner_version_unknown", `${runner}: \`${command} --version\` gave no version`, resolved),
  ];
}

function credentialChecks(runner: string, found: PreflightResult["credential"]): FullDoctorCheck[] {
  if (found?.state === "present") {
    return [check("runner_credentials_present", `${runner}: credential found in ${found.source}`)];
  }
  if (found?.state === "missing") {
    return [
      check(
        "runner_credentials_missing",
        found.detail ? `${runner}: ${found.detail}` : `${runner}: no credential found`,
      ),
    ];
  }
  return [];
}

function permissionChecks(runner: string, found: PreflightResult["permission"]): FullDoctorCheck[] {
  if (!found) return [];
  const checks: FullDoctorCheck[] = [];
  if (found.risk) {
    const code =
      found.risk.kind === "maximum" ? "runner_permission_maximum" : "runner_permission_unsandboxed";
    checks.push(check(code, `${runner}: ${found.risk.message}`));
  }
  if (found.refusal) checks.push(check("runner_permission_root_refused", `${runner}: ${found.refusal}`));
  if (checks.length === 0) checks.push(check("runner_permission_ok", `${runner}: ${found.summary}`));
  return checks;
}

/** A runner that reports no findings: its preflight verdict and problems as they are. */
function verdictChecks(runner: string, result: PreflightResult): FullDoctorCheck[] {
  const checks = result.ok ? [check("runner_preflight_ok", `${runner}: preflight passed`)] : [];
  for (const problem of result.problems)
    checks.push(check("runner_preflight_failed", `${runner}: ${problem}`));
  return checks;
}

/** Presents what one runner's preflight found. */
function presentPreflight(
  runner: string,
  usedBy: readonly string[],
  result: PreflightResult,
  capabilitiesOn: boolean,
): RunnerFound {
  const checks: FullDoctorCheck[] = [];
  if (result.executable) checks.push(...executableChecks(runner, result.executable));
  if (result.script) {
    const { path: file, problem } = result.script;
    checks.push(
      problem
        ? check("runner_script_invalid", `${runner}: ${problem}`, file)
        : check("runner_script_ok", `${runner}: script ${file} parses`, file),
    );
  }
  if (!result.executable && !result.script) checks.push(...verdictChecks(runner, result));
  checks.push(...credentialChecks(runner, result.credential));
  // With execution capabilities on, flags come from the grants (see capability-checks.ts), not the levels.
  if (!capabilitiesOn) checks.push(...permissionChecks(runner, result.permission));
  return {
    checks,
    summary: {
      runner,
      used_by: [...usedBy],
      command: result.executable?.command ?? null,
      resolved_path: result.executable?.resolved_path ?? null,
      version: result.executable?.version ?? null,
      credentials: result.credential?.state ?? "unknown",
      credential_source: result.credential?.source ?? null,
      permission_levels: [...(result.permission?.levels ?? [])],
    },
  };
}

function preflightStages(nodes: readonly UsedNode[] | undefined): PreflightStage[] | undefined {
  return nodes?.map((node) => ({
    label: node.label,
    stage: node.stage,
    model: node.model,
    permission_profile: node.permissionProfile,
  }));
}

async function checkRunner(
  runner: string,
  usedBy: readonly string[],
  input: RunnerCheckInput,
): Promise<RunnerFound> {
  const adapter = input.registry.require(runner);
  const capabilitiesOn = input.config.execution_capabilities.enabled;
  if (!adapter.preflight) {
    const { summary } = presentPreflight(runner, usedBy, { ok: true, problems: [] }, capabilitiesOn);
    return { checks: [check("runner_preflight_ok", `${runner}: registered (it has no preflight)`)], summary };
  }
  const stages = preflightStages(input.nodes?.get(runner));
  const result = await adapter.preflight(input.config, input.env, {
    runtimeRoot: input.runtimeRoot,
    which: input.which,
    probeVersion: input.probeVersion ?? true,
    ...(input.versionTimeoutMs !== undefined ? { versionTimeoutMs: input.versionTimeoutMs } : {}),
    ...(stages ? { stages } : {}),
  });
  const found = presentPreflight(runner, usedBy, result, capabilitiesOn);
  // The findings above describe; this says what it means: `run` refuses this mode.
  if (!result.ok && result.executable) {
    found.checks.push(
      check(
        "mode_runner_unavailable",
        `cannot run mode ${input.modeId ?? "(unknown)"}: ${runner}: ${result.problems.join("; ")}`,
      ),
    );
  }
  return found;
}

/**
 * Checks every runner the resolved mode uses by asking its adapter's preflight (executable,
 * version, credentials, permissions, script) and presenting what it found.
 */
export async function runnerChecks(
  input: RunnerCheckInput,
): Promise<{ checks: FullDoctorCheck[]; runners: DoctorRunner[] }> {
  const checks: FullDoctorCheck[] = [];
  const runners: DoctorRunner[] = [];
  for (const [runner, usedBy] of [...input.used.entries()].sort(([a], [b]) => compareCodeUnits(a, b))) {
    if (!input.registry.has(runner)) {
      checks.push(
        check(
          "runner_unknown",
          `runner ${runner} (used by ${usedBy.join(", ") || "runners.default_runner"}) is not registered; known: ${input.registry.names().join(", ")}`,
        ),
      );
      continue;
    }
    const found = await checkRunner(runner, usedBy, input);
    checks.push(...found.checks);
    runners.push(found.summary);
  }
  return { checks, runners };
}
