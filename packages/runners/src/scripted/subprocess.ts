import type { RunnerContext, RunnerRawResultInput, StageRunRequest } from "@millrace/contracts";
import { finishStage } from "../finish/finish-stage.js";
import { launchStageProcess } from "../process/stage-process.js";
import { scriptVerdict } from "./failure.js";
import { SCRIPTED_ENTRY_PATH } from "./paths.js";

/** The payload the subprocess entry reads from stdin. */
export interface ScriptedEntryPayload {
  readonly request: StageRunRequest;
  readonly scriptPath: string;
  readonly workspaceRoot: string;
  readonly runtimeRoot: string;
  readonly now: string;
}

/** Runs the script's actions in a child node process under the normal process control. */
export async function runScriptSubprocess(
  request: StageRunRequest,
  ctx: RunnerContext,
  runnerName: string,
  scriptPath: string,
): Promise<RunnerRawResultInput> {
  const payload: ScriptedEntryPayload = {
    request,
    scriptPath,
    workspaceRoot: ctx.workspaceRoot,
    runtimeRoot: ctx.runtimeRoot,
    now: ctx.clock().toISOString(),
  };
  const running = launchStageProcess(request, ctx, {
    command: process.execPath,
    args: [SCRIPTED_ENTRY_PATH],
    cwd: ctx.workspaceRoot,
    envOverlay: {},
    stdin: { kind: "text", text: JSON.stringify(payload) },
    stdoutPath: ctx.artifacts.stdout,
  });
  const outcome = await running.outcome;
  return finishStage(request, ctx, {
    runnerName,
    command: process.execPath,
    outcome,
    fields: { stdout_path: ctx.artifacts.stdout },
    notes: [],
    // The script prints its marker itself; a timed-out script is never reconciled.
    markerText: undefined,
    classify: (ended) => ({ ...scriptVerdict(ended.exitCode ?? 1), note: "scripted runner (subprocess)" }),
  });
}
