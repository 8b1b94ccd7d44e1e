import { existsSync } from "node:fs";
import path from "node:path";
import type { FullDoctorCheck, FullDoctorReport, MillraceConfig } from "@millrace/contracts";
import { createRunnerRegistry, type RunnerRegistry } from "@millrace/runners";
import { readConfigFile, runDoctor, validateConfigText, workspacePaths } from "@millrace/workspace";
import { capabilityChecks } from "./capability-checks.js";
import { DOCTOR_CHECK_CODES, doctorGroupOf } from "./codes.js";
import { compoundingChecks } from "./compounding-checks.js";
import { governanceChecks } from "./governance-checks.js";
import { hostSandboxChecks } from "./host-sandbox-checks.js";
import { laneChecks } from "./lane-checks.js";
import { nodesByRunner, planChecks, runnersInUse } from "./plan-checks.js";
import { queueChecks } from "./queue-checks.js";
import { defaultWhich, type Env, runnerChecks, type WhichFn } from "./runner-checks.js";

export interface FullDoctorOptions {
  /** The environment runners would start from (default: this process's). Only names are reported. */
  env?: Env;
  /** Command → absolute executable path or null (default: a PATH lookup in `env`). */
  which?: WhichFn;
  /** Runner registry (default: the built-ins); an embedder passes the one its engine uses. */
  registry?: RunnerRegistry;
  /** Deadline of each `--version` probe in ms (default 3000). */
  versionTimeoutMs?: number;
  /** Run each runner's `--version` (default true); the supervisor report skips it to stay fast. */
  probeVersions?: boolean;
  /**
   * Check every queue document, and every entry of the run and queue folders for links and
   * non-regular files (default true); the supervisor report skips both to stay fast.
   */
  queueChecks?: boolean;
  /** Trust a persisted plan that is current instead of compiling a preview (default false). */
  reuseCurrentPlan?: boolean;
}

const GROUP_ORDER = [
  "workspace",
  "assets",
  "config",
  "lock",
  "plan",
  "queue",
  "runners",
  "compounding",
] as const;

function skipped(reason: string): FullDoctorCheck {
  const entry = DOCTOR_CHECK_CODES.checks_skipped;
  return {
    code: "checks_skipped",
    group: entry.group,
    status: entry.status,
    path: null,
    message: reason,
    hint: entry.action,
  };
}

function loadConfigForDoctor(configFile: string): MillraceConfig | undefined {
  let text: string;
  try {
    text = readConfigFile(configFile, { followLinks: false }) ?? "";
  } catch {
    return undefined; // the workspace checks above already report a config file that is refused
  }
  const result = validateConfigText(text, "millrace.toml");
  return result.ok ? result.config : undefined;
}

/**
 * The complete health report: the workspace checks of @millrace/workspace (folders, files,
 * manifest, state, config, lock), then plan currentness (a preview compile, nothing written),
 * queue consistency and, for every runner the resolved mode uses, its executable, version,
 * credentials and permission profile. Read-only; never contacts a network.
 */
export async function runFullDoctor(
  root: string,
  options: FullDoctorOptions = {},
): Promise<FullDoctorReport> {
  const workspace = path.resolve(root);
  const paths = workspacePaths(workspace);
  const base = runDoctor(paths, { entryScan: options.queueChecks ?? true });
  const checks: FullDoctorCheck[] = base.checks.map((c) => ({ ...c, group: doctorGroupOf(c.code) }));
  let modeId: string | null = null;
  let runners: FullDoctorReport["runners"] = [];

  if (existsSync(paths.runtimeRoot)) {
    const config = loadConfigForDoctor(paths.configFile);
    if (!config) {
      checks.push(skipped("millrace.toml is invalid, so the plan and runners were not checked"));
    } else {
      const registry = options.registry ?? createRunnerRegistry();
      const plan = planChecks(workspace, config, (name) => registry.has(name), {
        reuseCurrentPlan: options.reuseCurrentPlan === true,
      });
      modeId = plan.modeId;
      checks.push(...plan.checks);
      const found = await runnerChecks({
        config,
        env: options.env ?? process.env,
        runtimeRoot: paths.runtimeRoot,
        used: runnersInUse(config, plan.plan),
        nodes: nodesByRunner(config, plan.plan),
        registry,
        modeId,
        which: options.which ?? defaultWhich,
        ...(options.versionTimeoutMs !== undefined ? { versionTimeoutMs: options.versionTimeoutMs } : {}),
        probeVersion: options.probeVersions ?? true,
      });
      checks.push(...found.checks);
      checks.push(...capabilityChecks(config, plan.plan, registry));
      // Spawns the installed Codex, so only where the version probes run too.
      if (options.probeVersions ?? true) {
        const used = runnersInUse(config, plan.plan);
        checks.push(
          ...hostSandboxChecks(config, used, options.env ?? process.env, options.which ?? defaultWhich),
        );
      }
      runners = found.runners;
      checks.push(...governanceChecks(paths, config, options.env ?? process.env));
    }
    if (options.queueChecks ?? true) checks.push(...queueChecks(paths), ...(await laneChecks(paths, config)));
    checks.push(...compoundingChecks(paths));
  }

  const ordered = GROUP_ORDER.flatMap((group) => checks.filter((c) => c.group === group));
  const errors = ordered.filter((c) => c.status === "error").length;
  const warnings = ordered.filter((c) => c.status === "warning").length;
  return {
    schema_version: "1.0",
    kind: "doctor_report",
    workspace,
    ok: errors === 0,
    errors,
    warnings,
    mode_id: modeId,
    checks: ordered,
    runners,
  };
}
