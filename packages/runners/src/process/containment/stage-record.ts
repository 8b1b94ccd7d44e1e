import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from "node:fs";
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
 * Writes the record before the spawn (so a daemon killed during the spawn still leaves the tag and
 * cgroup to reap), completes it after the spawn (pid, group, start time), and deletes it when the
 * stage is gone. Both writes are atomic (temp file + rename): a reader never sees half a record.
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
  // No fsync: the record must outlive the daemon, not the machine. A killed daemon's writes are
  // already in the kernel's page cache; a machine crash loses the record and every process it
  // names alike. (An fsync here cost ~12 ms per stage on a loaded 2-core machine.)
  writeJsonAtomicSync(file, base, { durable: false });
  return {
    file,
    spawned(pid) {
      if (pid === undefined) return;
      const start = readProcStartTime(pid);
      // detached: the child leads its own group, so pgid = pid.
      const text = `${JSON.stringify({ ...base, child_pid: pid, child_pgid: pid, child_start_time: start ?? null }, null, 2)}\n`;
      // Overwritten in place, not replaced: on ext4 a rename over an existing file forces block
      // allocation, and the later unlink then costs a discard (~4 ms per stage, measured). The
      // completed record is never shorter than the first one (numbers replace nulls); padding
      // keeps it valid JSON if it ever were.
      let fd: number | undefined;
      try {
        fd = openSync(file, "r+");
        const old = fstatSync(fd).size;
        writeSync(fd, text.length >= old ? text : text.padEnd(old, " "), 0);
      } catch {
        // The agent is already running: the first record (tag, cgroup) is all the reaper needs.
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
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
