import { writeFileSync } from "node:fs";
import type { RunnerContext, RunnerRawResultInput, StageRunRequest } from "@millrace/contracts";
import { rawBase } from "./raw-base.js";

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
