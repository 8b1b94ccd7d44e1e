import { writeFileSync } from "node:fs";
import type { RunnerContext, RunnerRawResultInput, ScriptFile, StageRunRequest } from "@millrace/contracts";
import { rawBase } from "../finish/raw-base.js";
import { stageTimeoutMs } from "../process/stage-process.js";
import { redactText } from "../secrets/redact.js";
import { scriptVerdict, stoppedScriptVerdict } from "./failure.js";
import { performScript } from "./perform.js";

/** Runs the script's actions in this process, stopped early by the stage deadline or an abort. */
export async function runScriptInProcess(
  request: StageRunRequest,
  ctx: RunnerContext,
  runnerName: string,
  script: ScriptFile,
): Promise<RunnerRawResultInput> {
  const now = ctx.clock();
  ctx.recordInvocation({ command: [], cwd: ctx.workspaceRoot });
  const stdout: Buffer[] = [];
  const stderr: string[] = [];
  let stopReason: "timeout" | "interrupted" | undefined;
  let release: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    release = resolve;
  });
  const timer = setTimeout(
    () => {
      stopReason = "timeout";
      release();
    },
    stageTimeoutMs(request, ctx),
  );
  const onAbort = () => {
    stopReason ??= "interrupted";
    release();
  };
  ctx.signal?.addEventListener("abort", onAbort, { once: true });
  const startedAt = ctx.clock();
  try {
    const outcome = await performScript(script, {
      request,
      workspaceRoot: ctx.workspaceRoot,
      runtimeRoot: ctx.runtimeRoot,
      now,
      stopped,
      output: {
        stdout: (chunk) => stdout.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk),
        stderr: (chunk) => stderr.push(chunk),
      },
    });
    const endedAt = ctx.clock();
    const secrets = ctx.secrets ?? new Map<string, string>();
    const out = Buffer.concat(stdout);
    writeFileSync(ctx.artifacts.stdout, secrets.size > 0 ? redactText(out.toString("utf8"), secrets) : out);
    writeFileSync(ctx.artifacts.stderr, redactText(stderr.join(""), secrets));
    const notes = [
      `scripted runner (in-process), rule ${outcome.rule ?? "none"}, attempt ${outcome.attempt}`,
    ];
    const verdict = outcome.stoppedEarly ? stoppedScriptVerdict(stopReason) : scriptVerdict(outcome.exitCode);
    return {
      ...rawBase(request, runnerName, {
        startedAt,
        endedAt: new Date(Math.max(endedAt.getTime(), startedAt.getTime())),
      }),
      stdout_path: ctx.artifacts.stdout,
      stderr_path: ctx.artifacts.stderr,
      exit_kind: verdict.exitKind,
      exit_code: verdict.exitCode,
      failure_class: verdict.failureClass,
      notes: verdict.note === undefined ? notes : [...notes, verdict.note],
    };
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener("abort", onAbort);
    release();
  }
}
