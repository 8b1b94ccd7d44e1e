import { mkdirSync, readdirSync, unlinkSync } from "node:fs";
import path from "node:path";
import { formatTimestamp, type StageProcessRecord } from "@millrace/contracts";
import { writeJsonAtomicSync } from "@millrace/workspace";
import { readProcStartTime } from "../proc-scan.js";

/** `<runtimeRoot>/state/stage_processes`: one record per running stage process. */
export function stageProcessRecordDir(runtimeRoot: string): string {
  return path.join(runtimeRoot, "state", "stage_processes");
}

export function stageProcessRecordPath(runtimeRoot: string, tag: string): string {
  return path.join(stageProcessRecordDir(runtimeRoot), `${tag}.json`);
}

/** Record files in the folder (names only; a missing folder has none). */
export function listStageProcessRecordFiles(runtimeRoot: string): string[] {
  try {
    return readdirSync(stageProcessRecordDir(runtimeRoot))
      .filter((name) => name.endsWith(".json"))
      .sort();
  } catch {
    return [];
  }
}

let ownStart: string | undefined;
function ownStartTime(): string {
  ownStart ??= readProcStartTime(process.pid) ?? "0";
  return ownStart;
}

export interface StageRecordWriter {
  readonly file: string;
  /** After the spawn: the child's pid, group and start time. */
  spawned(pid: number | undefined): void;
  /** Once no process of the stage is alive. */
  remove(): void;
}

/**
 * Writes the record durably before the spawn (so a daemon killed during the spawn still leaves the
 * tag and cgroup to reap), completes it after the spawn without an fsync (the first write already
 * names everything the reaper needs), and deletes it when the stage is gone.
 */
export function beginStageRecord(
  runtimeRoot: string,
  tag: string,
  runDir: string,
  cgroupPath: string | null,
  parentDeathSignal: boolean,
): StageRecordWriter {
  const file = stageProcessRecordPath(runtimeRoot, tag);
  mkdirSync(path.dirname(file), { recursive: true });
  const base: StageProcessRecord = {
    schema_version: "1.0",
    kind: "stage_process",
    tag,
    run_dir: runDir,
    daemon_pid: process.pid,
    daemon_start_time: ownStartTime(),
    child_pid: null,
    child_pgid: null,
    child_start_time: null,
    cgroup_path: cgroupPath,
    parent_death_signal: parentDeathSignal,
    recorded_at: formatTimestamp(new Date()),
  };
  writeJsonAtomicSync(file, base);
  return {
    file,
    spawned(pid) {
      if (pid === undefined) return;
      const start = readProcStartTime(pid);
      // detached: the child leads its own group, so pgid = pid.
      writeJsonAtomicSync(
        file,
        { ...base, child_pid: pid, child_pgid: pid, child_start_time: start ?? null },
        { durable: false },
      );
    },
    remove() {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    },
  };
}
