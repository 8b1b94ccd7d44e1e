import { readFileSync, writeFileSync } from "node:fs";
import type {
  RunnerExitKind,
  RunnerFailureClass,
  RunnerRawResultInput,
  StageRunRequest,
} from "@millrace/contracts";
import { formatTimestamp } from "@millrace/contracts";
import type { RunnerContext } from "../adapter.js";
import { type ProcessOutcome, type RunningProcess, type StdinPlan, startProcess } from "./run-process.js";

export interface StageProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Variables the runner sets on top of the base environment (recorded by name only). */
  readonly envOverlay: Readonly<Record<string, string>>;
  readonly stdin: StdinPlan;
  /** Raw stdout file (the event stream for JSON protocols); omitted → only the line callback sees it. */
  readonly stdoutPath?: string;
  readonly onStdoutLine?: (line: string) => void;
  /** Override the process-control deadline (a runner with its own graceful deadline sets a later backstop). */
  readonly timeoutMs?: number;
}

export function stageTimeoutMs(request: StageRunRequest, ctx: RunnerContext): number {
  const seconds = request.timeout_seconds > 0 ? request.timeout_seconds : ctx.limits.defaultTimeoutSeconds;
  return Math.max(1, seconds) * 1000;
}

export function stageEnv(
  ctx: RunnerContext,
  overlay: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.baseEnv)) if (value !== undefined) env[name] = value;
  return { ...env, ...overlay };
}

/** Records the invocation, then starts the agent process under the shared process control. */
export function launchStageProcess(
  request: StageRunRequest,
  ctx: RunnerContext,
  spec: StageProcessSpec,
): RunningProcess {
  ctx.recordInvocation({
    command: [spec.command, ...spec.args],
    envVarNames: Object.keys(spec.envOverlay).sort(),
    cwd: spec.cwd,
  });
  return startProcess({
    command: spec.command,
    args: spec.args,
    cwd: spec.cwd,
    env: stageEnv(ctx, spec.envOverlay),
    stdin: spec.stdin,
    timeoutMs: spec.timeoutMs ?? stageTimeoutMs(request, ctx),
    killGraceMs: ctx.limits.killGraceMs,
    ...(spec.stdoutPath ? { stdoutPath: spec.stdoutPath } : {}),
    stderrPath: ctx.artifacts.stderr,
    maxStdoutBytes: ctx.limits.maxStdoutBytes,
    maxStderrBytes: ctx.limits.maxStderrBytes,
    ...(spec.onStdoutLine ? { onStdoutLine: spec.onStdoutLine } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
}

export interface ProcessVerdict {
  readonly exitKind: RunnerExitKind;
  readonly exitCode: number;
  readonly failureClass: RunnerFailureClass;
  readonly note: string;
}

/**
 * The verdict process control alone can give (spawn failure, deadline, interruption, output cap),
 * or undefined when the process ended by itself and the protocol decides.
 */
export function processVerdict(
  outcome: ProcessOutcome,
  command: string,
  stderrPath: string,
): ProcessVerdict | undefined {
  if (outcome.spawnError) {
    const missing = outcome.spawnError.code === "ENOENT" || outcome.spawnError.code === "EACCES";
    const note = missing
      ? `runner binary not found: ${command}`
      : `runner process error: ${outcome.spawnError.message}`;
    writeFileSync(stderrPath, `${note}\n`, { flag: "a" });
    return missing
      ? {
          exitKind: "runner_error",
          exitCode: 127,
          failureClass: "runner_binary_not_found",
          note: "runner executable missing",
        }
      : { exitKind: "runner_error", exitCode: 1, failureClass: "runner_transport_failure", note };
  }
  const leaked =
    outcome.leakedKilled.length > 0 ? ` (killed ${outcome.leakedKilled.length} leftover process(es))` : "";
  switch (outcome.stopReason) {
    case "timeout":
      writeFileSync(stderrPath, `\nrunner timed out: ${outcome.stopDetail ?? ""}\n`, { flag: "a" });
      return {
        exitKind: "timeout",
        exitCode: 124,
        failureClass: "runner_timeout",
        note: `runner process exceeded its timeout${outcome.hardKilled ? "; SIGKILL was needed" : ""}${leaked}`,
      };
    case "interrupted":
      return {
        exitKind: "interrupted",
        exitCode: 130,
        failureClass: "runner_interrupted",
        note: `stage interrupted${leaked}`,
      };
    case "output_limit":
      return {
        exitKind: "runner_error",
        exitCode: 1,
        failureClass: "runner_output_limit",
        note: `runner output exceeded its cap: ${outcome.stopDetail ?? ""}`,
      };
    default:
      return undefined;
  }
}

/** The identity and timing part of a raw result. */
export function rawBase(
  request: StageRunRequest,
  runnerName: string,
  outcome: { startedAt: Date; endedAt: Date },
): Pick<
  RunnerRawResultInput,
  | "request_id"
  | "run_id"
  | "stage"
  | "runner_name"
  | "model_name"
  | "model_reasoning_effort"
  | "thinking_level"
  | "started_at"
  | "ended_at"
> {
  return {
    request_id: request.request_id,
    run_id: request.run_id,
    stage: request.stage,
    runner_name: runnerName,
    model_name: request.model_name ?? null,
    model_reasoning_effort: request.model_reasoning_effort ?? null,
    thinking_level: request.thinking_level ?? null,
    started_at: formatTimestamp(outcome.startedAt),
    ended_at: formatTimestamp(outcome.endedAt),
  };
}

/** Exit code of a process that ended by itself: signal deaths map to 128 + n like a shell. */
export function exitCodeOf(outcome: ProcessOutcome): number {
  if (outcome.exitCode !== null) return outcome.exitCode;
  const signals: Record<string, number> = { SIGTERM: 143, SIGKILL: 137, SIGINT: 130, SIGHUP: 129 };
  return outcome.signal ? (signals[outcome.signal] ?? 1) : 1;
}

/** The last stderr line, for notes (the captured stderr stays in its artifact). */
export function stderrTail(file: string): string {
  try {
    const lines = readFileSync(file, "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean);
    const last = lines[lines.length - 1];
    return last ? `: ${last.slice(0, 300)}` : "";
  } catch {
    return "";
  }
}

/**
 * The raw result of an agent runner that refuses to start because its credentials are missing:
 * the invocation is still recorded (argv and env var names), the problems go to stderr, and the
 * stage fails in milliseconds as an auth failure instead of retrying until its deadline.
 */
export function credentialRefusal(
  request: StageRunRequest,
  ctx: RunnerContext,
  runner: { name: string; command: string; args: readonly string[]; env: Readonly<Record<string, string>> },
  problems: readonly string[],
): RunnerRawResultInput {
  ctx.recordInvocation({
    command: [runner.command, ...runner.args],
    envVarNames: Object.keys(runner.env).sort(),
    cwd: ctx.workspaceRoot,
  });
  const now = ctx.clock();
  writeFileSync(ctx.artifacts.stderr, `${problems.join("\n")}\n`);
  return {
    ...rawBase(request, runner.name, { startedAt: now, endedAt: now }),
    exit_kind: "provider_error",
    exit_code: 1,
    stderr_path: ctx.artifacts.stderr,
    failure_class: "runner_auth_failure",
    notes: [`credential preflight failed; ${runner.command} was not started`, ...problems],
  };
}
