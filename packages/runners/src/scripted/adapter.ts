import type {
  MillraceConfig,
  PreflightOptions,
  PreflightResult,
  RunnerAdapter,
  RunnerCapabilities,
  RunnerContext,
  RunnerRawResultInput,
  StageRunRequest,
} from "@millrace/contracts";
import { runScriptInProcess } from "./in-process.js";
import { scriptedScriptPath } from "./paths.js";
import { loadScriptFile } from "./perform.js";
import { runScriptSubprocess } from "./subprocess.js";

export const SCRIPTED_RUNNER_NAME = "scripted";

export interface ScriptedAdapterOptions {
  /** Force a mode regardless of `runners.scripted.subprocess`. */
  readonly mode?: "in_process" | "subprocess";
  /** Script file to use instead of `runners.scripted.script`. */
  readonly scriptPath?: string;
}

/** The script decides every outcome; no agent runs, so there is nothing to confine. */
export const SCRIPTED_CAPABILITIES: RunnerCapabilities = {
  permission_levels: { basic: "advisory", elevated: "advisory", maximum: "advisory" },
  sandbox: "unsupported",
  network_control: "unsupported",
  tool_allow_list: "unsupported",
};

/** The script must be configured and, when the runtime root is known, parse. */
async function scriptedPreflight(
  config: MillraceConfig,
  options: PreflightOptions,
  scriptPath: string | undefined,
): Promise<PreflightResult> {
  const problems = config.runners.scripted.script ? [] : ["runners.scripted.script is empty"];
  if (options.runtimeRoot === undefined) return { ok: problems.length === 0, problems };
  const file = scriptedScriptPath({ config, runtimeRoot: options.runtimeRoot }, scriptPath);
  let problem: string | null = null;
  try {
    loadScriptFile(file);
  } catch (error) {
    problem = (error as Error).message;
    problems.push(problem);
  }
  return {
    ok: problems.length === 0,
    problems,
    script: { path: file, problem },
    credential: { state: "not_required", source: null, detail: null },
  };
}

/**
 * The scripted runner: outcomes per stage from a small script file. Deterministic; used by
 * `millrace demo` and by tests. In-process by default; the subprocess mode runs the very same
 * action code in a child node process under the normal process control.
 */
export function createScriptedAdapter(options: ScriptedAdapterOptions = {}): RunnerAdapter {
  return {
    name: SCRIPTED_RUNNER_NAME,
    capabilities: SCRIPTED_CAPABILITIES,

    preflight: (config, _env, preflightOptions = {}) =>
      scriptedPreflight(config, preflightOptions, options.scriptPath),

    async run(request: StageRunRequest, ctx: RunnerContext): Promise<RunnerRawResultInput> {
      const scriptPath = scriptedScriptPath(ctx, options.scriptPath);
      const script = loadScriptFile(scriptPath);
      const subprocess = options.mode
        ? options.mode === "subprocess"
        : ctx.config.runners.scripted.subprocess;
      return subprocess
        ? runScriptSubprocess(request, ctx, SCRIPTED_RUNNER_NAME, scriptPath)
        : runScriptInProcess(request, ctx, SCRIPTED_RUNNER_NAME, script);
    },
  };
}
