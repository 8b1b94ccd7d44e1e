import { readFileSync } from "node:fs";
import path from "node:path";
import { type StatusRunnerPause, StatusRunnerPauseSchema } from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";

/** Why the runtime holds the `runner_unavailable` pause source: `state/runner_pause.json`. */
export function runnerPausePath(paths: WorkspacePaths): string {
  return path.join(paths.state, "runner_pause.json");
}

/** The recorded pause, or null when there is none (or it does not parse: the checks then cover every runner). */
export function readRunnerPause(
  paths: WorkspacePaths,
): (StatusRunnerPause & { stamp: string | null }) | null {
  try {
    const raw = JSON.parse(readFileSync(runnerPausePath(paths), "utf8")) as Record<string, unknown>;
    const { stamp, ...rest } = raw;
    const parsed = StatusRunnerPauseSchema.safeParse(rest);
    return parsed.success ? { ...parsed.data, stamp: typeof stamp === "string" ? stamp : null } : null;
  } catch {
    return null;
  }
}
