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

/**
 * The preflight of an agent CLI runner: whether its executable can be found with the runner's
 * environment overlay (first of all), then its credential problems; the findings say what was
 * found. Never contacts a network; runs the executable only when a version probe is asked for.
 */
export async function agentPreflight(
  input: AgentPreflightInput,
  env: RunnerEnvironment,
  options: PreflightOptions = {},
): Promise<PreflightResult> {
  const executable = await findExecutable(input, env, options);
  const problems = [...input.credential.problems];
  if (executable.resolved_path === null) {
    problems.unshift(`the ${input.label} executable ${input.settings.command} was not found`);
  }
  return {
    ok: problems.length === 0,
    problems,
    executable,
    credential: input.credential.finding,
    permission: input.permission,
  };
}
