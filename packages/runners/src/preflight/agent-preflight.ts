import path from "node:path";
import type {
  PreflightCredential,
  PreflightExecutable,
  PreflightOptions,
  PreflightPermission,
  PreflightResult,
  RunnerEnvironment,
} from "@millrace/contracts";
import { probeVersion } from "../process/version-probe.js";
import { definedEnv, withOverlay } from "./environment.js";
import { resolveCommand } from "./resolve-command.js";

/** The config section of an agent CLI runner, as far as its preflight needs it. */
export interface AgentRunnerSettings {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** A runner's credential as found, and what about it blocks a run (empty when nothing does). */
export interface CredentialCheck {
  readonly finding: PreflightCredential;
  readonly problems: string[];
}

export interface AgentPreflightInput {
  /** How problems name the agent (`Codex`). */
  readonly label: string;
  /** The config section (`codex` for `runners.codex`). */
  readonly section: string;
  readonly settings: AgentRunnerSettings;
  readonly credential: CredentialCheck;
  readonly permission: PreflightPermission;
  /** The oldest version Millrace drives (`x.y.z`); an older one is refused when the version is probed. */
  readonly minimumVersion?: string;
}

function isNodeScript(command: string, args: readonly string[]): boolean {
  const base = path.basename(command);
  return (command === process.execPath || /^node(\.exe)?$/.test(base)) && /\.(c|m)?js$/.test(args[0] ?? "");
}

async function findExecutable(
  input: AgentPreflightInput,
  env: RunnerEnvironment,
  options: PreflightOptions,
): Promise<PreflightExecutable> {
  const { command, args } = input.settings;
  const merged = withOverlay(env, input.settings.env);
  const resolved = (options.which ?? resolveCommand)(command, merged);
  const nodeScript = isNodeScript(command, args) ? (args[0] ?? null) : null;
  const version =
    resolved && nodeScript === null && options.probeVersion
      ? await probeVersion(resolved, definedEnv(merged), options.versionTimeoutMs)
      : null;
  return {
    command,
    config_key: `runners.${input.section}.command`,
    resolved_path: resolved,
    node_script: nodeScript,
    version,
  };
}

/** `1.2.3` → [1, 2, 3]; null when the text holds no such version. */
function parseVersion(text: string): number[] | null {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  return match ? match.slice(1, 4).map(Number) : null;
}

function olderThan(found: number[], minimum: number[]): boolean {
  for (let i = 0; i < 3; i += 1) {
    if ((found[i] ?? 0) !== (minimum[i] ?? 0)) return (found[i] ?? 0) < (minimum[i] ?? 0);
  }
  return false;
}

/**
 * Whether a probed executable runs and is recent enough. A node script is not probed; a version
 * line without a parsable version is accepted (it ran).
 */
function checkVersion(input: AgentPreflightInput, executable: PreflightExecutable): string | null {
  if (executable.node_script !== null) return null;
  if (executable.version === null) {
    return `\`${input.settings.command} --version\` (${executable.resolved_path}) did not answer: the ${input.label} executable does not run; reinstall it or fix ${executable.config_key}`;
  }
  const found = parseVersion(executable.version);
  const minimum = input.minimumVersion ? parseVersion(input.minimumVersion) : null;
  if (found && minimum && olderThan(found, minimum)) {
    return `${input.label} ${executable.version} is older than ${input.minimumVersion}, the oldest version Millrace drives: upgrade it`;
  }
  return null;
}

/**
 * The preflight of an agent CLI runner: whether its executable can be found with the runner's
 * environment overlay (first of all), whether it runs and is recent enough (only when a version
 * probe is asked for), then its credential problems; the findings say what was found. Never
 * contacts a network; runs the executable only for the version probe.
 */
export async function agentPreflight(
  input: AgentPreflightInput,
  env: RunnerEnvironment,
  options: PreflightOptions = {},
): Promise<PreflightResult> {
  const executable = await findExecutable(input, env, options);
  const problems = [...input.credential.problems];
  if (executable.resolved_path === null) {
    problems.unshift(
      `the ${input.label} executable ${input.settings.command} was not found${input.settings.command.includes("/") ? "" : " on PATH"}: install it, or set ${executable.config_key} to its absolute path`,
    );
  } else {
    const versionProblem = options.probeVersion ? checkVersion(input, executable) : null;
    if (versionProblem) problems.unshift(versionProblem);
  }
  return {
    ok: problems.length === 0,
    problems,
    executable,
    credential: input.credential.finding,
    permission: input.permission,
  };
}
