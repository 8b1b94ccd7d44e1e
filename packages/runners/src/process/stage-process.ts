import type { RunnerContext, StageRunRequest } from "@millrace/contracts";
import { type RunningProcess, type StdinPlan, startProcess } from "./run-process.js";

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
    ...(ctx.secrets ? { secrets: ctx.secrets } : {}),
    containment: { runtimeRoot: ctx.runtimeRoot, runDir: request.run_dir },
  });
}
