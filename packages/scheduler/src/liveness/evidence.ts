import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { RUN_ARTIFACT_NAMES, StageProcessRecordSchema, type StageProcessState } from "@millrace/contracts";
import { stageProcessRecordDir } from "@millrace/runners";
import { isProcessAlive, processStartTime } from "@millrace/workspace";

/**
 * Newest write (epoch ms) to any of the stage's output streams: stdout, stderr and the event stream
 * grow as the runner writes them, so their modification times are the runner's output timestamps.
 * Null when none exists yet.
 */
export function lastOutputAt(runDir: string, requestId: string): number | null {
  let newest: number | null = null;
  for (const name of [
    RUN_ARTIFACT_NAMES.stdout(requestId),
    RUN_ARTIFACT_NAMES.stderr(requestId),
    RUN_ARTIFACT_NAMES.events(requestId),
  ]) {
    try {
      const { mtimeMs } = statSync(path.join(runDir, name));
      if (newest === null || mtimeMs > newest) newest = mtimeMs;
    } catch {
      // not written (yet)
    }
  }
  return newest;
}

/** True when the pid is alive and is still the process the record names (same start time). */
function sameProcessAlive(pid: number, startTime: string | null): boolean {
  if (!isProcessAlive(pid)) return false;
  if (startTime === null) return true;
  const now = processStartTime(pid);
  return now === undefined || String(now) === startTime;
}

/**
 * Whether the stage's agent is alive, from the stage process records the runners keep
 * (`state/stage_processes/`): `running` when a recorded process (or one about to be spawned) is
 * alive, `exited` when every recorded process is gone, `none` when the stage has no record (an
 * in-process runner).
 */
export function stageProcessState(runtimeRoot: string, runDir: string): StageProcessState {
  const dir = stageProcessRecordDir(runtimeRoot);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".json"));
  } catch {
    return "none";
  }
  let found = false;
  const wanted = path.resolve(runDir);
  for (const name of names) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path.join(dir, name), "utf8"));
    } catch {
      continue;
    }
    const parsed = StageProcessRecordSchema.safeParse(raw);
    if (!parsed.success || path.resolve(parsed.data.run_dir) !== wanted) continue;
    found = true;
    const record = parsed.data;
    if (record.child_pid === null) return "running";
    if (sameProcessAlive(record.child_pid, record.child_start_time)) return "running";
  }
  return found ? "exited" : "none";
}
