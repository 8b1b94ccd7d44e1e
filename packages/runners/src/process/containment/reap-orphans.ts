import { readFileSync, renameSync, unlinkSync } from "node:fs";
import path from "node:path";
import { type StageProcessRecord, StageProcessRecordSchema } from "@millrace/contracts";
import { ownProcessGroup, processesWithEnvTag, readProcStartTime } from "../proc-scan.js";
import { STAGE_TAG_ENV } from "../run-process.js";
import { cgroupPids, cgroupPopulated, isStageCgroupPath, killCgroup, removeCgroup } from "./cgroup.js";
import { listStageProcessRecordFiles, stageProcessRecordDir } from "./stage-record.js";

export interface ReapedStage {
  readonly tag: string;
  readonly runDir: string;
  readonly daemonPid: number;
  /** Pids that were alive and killed (cgroup members and tagged processes). */
  readonly killed: readonly number[];
  /** Pids still alive after the kill (the record is kept): empty when the stage is gone. */
  readonly survivors: readonly number[];
}

export interface RejectedStageRecord {
  readonly file: string;
  readonly reason: string;
}

export interface ReapReport {
  readonly reaped: readonly ReapedStage[];
  /** Records whose daemon is still alive: left alone. */
  readonly live: readonly string[];
  /** Unreadable or invalid records, renamed to `<name>.invalid` so they are not read again. */
  readonly rejected: readonly RejectedStageRecord[];
}

const VERIFY_LIMIT_MS = 3_000;
const VERIFY_STEP_MS = 20;

function daemonAlive(record: StageProcessRecord): boolean {
  return readProcStartTime(record.daemon_pid) === record.daemon_start_time;
}

function sigkill(target: number): void {
  try {
    process.kill(target, "SIGKILL");
  } catch {
    // gone already
  }
}

/**
 * What of the stage is alive: its cgroup's members and every process carrying its tag. A recorded
 * pid or group is never signalled on its own: the pid may have been reused, and a record is
 * workspace data (only the cgroup and the tag prove a process belongs to the stage).
 */
function stageMembers(record: StageProcessRecord, cgroup: string | null): Map<number, number | null> {
  const members = new Map<number, number | null>();
  if (cgroup) for (const pid of cgroupPids(cgroup)) members.set(pid, null);
  for (const entry of processesWithEnvTag(STAGE_TAG_ENV, record.tag)) members.set(entry.pid, entry.pgid);
  members.delete(process.pid);
  return members;
}

function killMembers(members: ReadonlyMap<number, number | null>, cgroup: string | null): void {
  if (cgroup) killCgroup(cgroup);
  const own = ownProcessGroup();
  for (const [pid, pgid] of members) {
    // A tagged process leads its group or shares the stage's: its group is the stage's too.
    if (pgid !== null && pgid > 1 && pgid !== own && members.has(pgid)) sigkill(-pgid);
    sigkill(pid);
  }
}

async function reapRecord(record: StageProcessRecord): Promise<ReapedStage> {
  const cgroup =
    record.cgroup_path && isStageCgroupPath(record.cgroup_path, record.tag) ? record.cgroup_path : null;
  const killed = new Set<number>();
  const deadline = Date.now() + VERIFY_LIMIT_MS;
  let members = stageMembers(record, cgroup);
  while (members.size > 0 || (cgroup && cgroupPopulated(cgroup))) {
    for (const pid of members.keys()) killed.add(pid);
    killMembers(members, cgroup);
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, VERIFY_STEP_MS));
    members = stageMembers(record, cgroup);
  }
  const survivors = [...members.keys()].sort((a, b) => a - b);
  return {
    tag: record.tag,
    runDir: record.run_dir,
    daemonPid: record.daemon_pid,
    killed: [...killed].filter((pid) => !survivors.includes(pid)).sort((a, b) => a - b),
    survivors,
  };
}

function readRecord(file: string): StageProcessRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    return `unreadable: ${error instanceof Error ? error.message : String(error)}`;
  }
  const parsed = StageProcessRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `invalid: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`;
  }
  if (`${parsed.data.tag}.json` !== path.basename(file))
    return "invalid: the tag does not match the file name";
  return parsed.data;
}

/**
 * Kills and reaps every stage process left by a daemon that is gone (its pid dead, or alive with
 * another start time: a reused pid), verifies nothing of the stage is alive, then deletes the
 * record and the stage cgroup. Records of a live daemon are left alone. The engine calls this at
 * startup, after taking the workspace lock and before it dispatches anything.
 */
export async function reapOrphanedStageProcesses(runtimeRoot: string): Promise<ReapReport> {
  const dir = stageProcessRecordDir(runtimeRoot);
  const reaped: ReapedStage[] = [];
  const live: string[] = [];
  const rejected: RejectedStageRecord[] = [];
  for (const name of listStageProcessRecordFiles(runtimeRoot)) {
    const file = path.join(dir, name);
    const record = readRecord(file);
    if (typeof record === "string") {
      try {
        renameSync(file, `${file}.invalid`);
      } catch {
        // left in place; reported either way
      }
      rejected.push({ file, reason: record });
      continue;
    }
    if (daemonAlive(record)) {
      live.push(record.tag);
      continue;
    }
    const result = await reapRecord(record);
    reaped.push(result);
    if (result.survivors.length > 0) continue;
    const cgroup = record.cgroup_path;
    if (cgroup && isStageCgroupPath(cgroup, record.tag) && !removeCgroup(cgroup)) continue;
    try {
      unlinkSync(file);
    } catch {
      // removed concurrently
    }
  }
  return { reaped, live, rejected };
}
