import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RunnerRawResultInput, StageRunRequest } from "@millrace/contracts";
import type { RunnerAdapter, RunnerContext } from "../adapter.js";
import { launchStageProcess, processVerdict, rawBase, stageTimeoutMs } from "../process/stage-process.js";
import { loadScriptFile, performScript } from "./perform.js";

export const SCRIPTED_RUNNER_NAME = "scripted";

export interface ScriptedAdapterOptions {
  /** Force a mode regardless of `runners.scripted.subprocess`. */
  readonly mode?: "in_process" | "subprocess";
  /** Script file to use instead of `runners.scripted.script`. */
  readonly scriptPath?: string;
}

/**
 * The node entry the subprocess mode runs: the compiled `entry.js` beside this module (when this
 * module itself runs from TypeScript sources, e.g. under vitest, the built copy in dist/).
 */
export const SCRIPTED_ENTRY_PATH = (() => {
  const beside = fileURLToPath(new URL("./entry.js", import.meta.url));
  return existsSync(beside)
    ? beside
    : fileURLToPath(new URL("../../dist/scripted/entry.js", import.meta.url));
})();

export function scriptedScriptPath(
  ctx: Pick<RunnerContext, "config" | "runtimeRoot">,
  override?: string,
): string {
  const configured = override ?? ctx.config.runners.scripted.script;
  return path.isAbsolute(configured) ? configured : path.join(ctx.runtimeRoot, configured);
}

/** The payload the subprocess entry reads from stdin. */
export interface ScriptedEntryPayload {
  readonly request: StageRunRequest;
  readonly scriptPath: string;
  readonly workspaceRoot: string;
  readonly runtimeRoot: string;
  readonly now: string;
}

function completedOrFailed(
  exitCode: number,
): Pick<RunnerRawResultInput, "exit_kind" | "exit_code" | "failure_class"> {
  return exitCode === 0
    ? { exit_kind: "completed", exit_code: 0, failure_class: null }
    : { exit_kind: "runner_error", exit_code: exitCode, failure_class: "runner_non_zero_exit" };
}

/**
 * The scripted runner: outcomes per stage from a small script file. Deterministic; used by
 * `millrace demo` and by tests. In-process by default; the subprocess mode runs the very same
 * action code in a child node process under the normal process control.
 */
export function createScriptedAdapter(options: ScriptedAdapterOptions = {}): RunnerAdapter {
  return {
    name: SCRIPTED_RUNNER_NAME,

    async preflight(config) {
      return {
        ok: true,
        problems: config.runners.scripted.script ? [] : ["runners.scripted.script is empty"],
      };
    },

    async run(request: StageRunRequest, ctx: RunnerContext): Promise<RunnerRawResultInput> {
      const scriptPath = scriptedScriptPath(ctx, options.scriptPath);
      const script = loadScriptFile(scriptPath);
      const subprocess = options.mode
        ? options.mode === "subprocess"
        : ctx.config.runners.scripted.subprocess;
      const now = ctx.clock();
      if (subprocess) {
        const payload: ScriptedEntryPayload = {
          request,
          scriptPath,
          workspaceRoot: ctx.workspaceRoot,
          runtimeRoot: ctx.runtimeRoot,
          now: now.toISOString(),
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
        const base = {
          ...rawBase(request, SCRIPTED_RUNNER_NAME, outcome),
          stdout_path: ctx.artifacts.stdout,
          stderr_path: ctx.artifacts.stderr,
        };
        const verdict = processVerdict(outcome, process.execPath, ctx.artifacts.stderr);
        if (verdict) {
          return {
            ...base,
            exit_kind: verdict.exitKind,
            exit_code: verdict.exitCode,
            failure_class: verdict.failureClass,
            notes: [verdict.note],
          };
        }
        return {
          ...base,
          ...completedOrFailed(outcome.exitCode ?? 1),
          notes: ["scripted runner (subprocess)"],
        };
      }

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
        writeFileSync(ctx.artifacts.stdout, Buffer.concat(stdout));
        writeFileSync(ctx.artifacts.stderr, stderr.join(""));
        const base = {
          ...rawBase(request, SCRIPTED_RUNNER_NAME, {
            startedAt,
            endedAt: new Date(Math.max(endedAt.getTime(), startedAt.getTime())),
          }),
          stdout_path: ctx.artifacts.stdout,
          stderr_path: ctx.artifacts.stderr,
        };
        const notes = [
          `scripted runner (in-process), rule ${outcome.rule ?? "none"}, attempt ${outcome.attempt}`,
        ];
        if (outcome.stoppedEarly && stopReason === "timeout") {
          return {
            ...base,
            exit_kind: "timeout",
            exit_code: 124,
            failure_class: "runner_timeout",
            notes: [...notes, "scripted stage exceeded its timeout"],
          };
        }
        if (outcome.stoppedEarly) {
          return {
            ...base,
            exit_kind: "interrupted",
            exit_code: 130,
            failure_class: "runner_interrupted",
            notes: [...notes, "stage interrupted"],
          };
        }
        return { ...base, ...completedOrFailed(outcome.exitCode), notes };
      } finally {
        clearTimeout(timer);
        ctx.signal?.removeEventListener("abort", onAbort);
        release();
      }
    },
  };
}
