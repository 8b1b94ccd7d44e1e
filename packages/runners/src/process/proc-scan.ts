import { readdirSync } from "node:fs";
import { readProcBytes, readProcText } from "./proc-read.js";

/**
 * Linux process-table scanning, used to find every process a stage started, including ones that
 * moved to their own process group or session (agent CLIs run tool commands detached). On systems
 * without `/proc` every function returns an empty answer and only the group kill applies.
 */

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
}

export function hasProcFs(): boolean {
  try {
    readdirSync("/proc/self");
    return true;
  } catch {
    return false;
  }
}

/** The fields of `/proc/<pid>/stat` after `pid (comm)` (comm may hold spaces and parentheses). */
function procStatFields(pid: number): string[] | undefined {
  const text = readProcText(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(" ");
  // Zombies (and dead tasks) are gone already.
  return fields[0] === "Z" || fields[0] === "X" ? undefined : fields;
}

export function readProcStat(pid: number): ProcStat | undefined {
  const fields = procStatFields(pid);
  if (!fields) return undefined;
  return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), sid: Number(fields[3]) };
}

/**
 * The process's start time (`/proc/<pid>/stat` field 22, clock ticks since boot) as text, or
 * undefined when the pid is not alive. The same pid with another start time is another process.
 */
export function readProcStartTime(pid: number): string | undefined {
  // Field 22 overall is index 19 after `pid (comm)`.
  const start = procStatFields(pid)?.[19];
  return start && /^\d+$/.test(start) ? start : undefined;
}

function listPids(): number[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of names) {
    const code = name.charCodeAt(0);
    if (code >= 48 && code <= 57) pids.push(Number(name));
  }
  return pids;
}

export function processTable(): ProcStat[] {
  const table: ProcStat[] = [];
  for (const pid of listPids()) {
    const stat = readProcStat(pid);
    if (stat) table.push(stat);
  }
  return table;
}

/** Every live descendant of `rootPid` (children, grandchildren, …) by PPID links. */
export function descendantsOf(rootPid: number, table: readonly ProcStat[] = processTable()): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const entry of table) {
    const list = children.get(entry.ppid);
    if (list) list.push(entry);
    else children.set(entry.ppid, [entry]);
  }
  const out: ProcStat[] = [];
  const stack = [rootPid];
  const seen = new Set<number>([rootPid]);
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    for (const child of children.get(pid) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      out.push(child);
      stack.push(child.pid);
    }
  }
  return out;
}

/**
 * Live processes whose environment carries `name=value`. Every stage child gets a unique tag, and
 * environments are inherited, so this finds daemonised grandchildren even after they were
 * re-parented to init. Only our own processes are readable, which is exactly the set we may kill.
 */
export function processesWithEnvTag(name: string, value: string, retrySince?: number): ProcStat[] {
  const needle = Buffer.from(`${name}=${value}\0`);
  const out: ProcStat[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    let environ = readEnviron(pid);
    if (environ === undefined) continue;
    // A process in the middle of an exec shows an empty environment for a moment; a tagged
    // escapee caught there would be missed. Only processes started since `retrySince` (the stage's
    // start, in clock ticks) are looked at again, so long-lived empty ones (pid 1, kernel threads)
    // cost nothing.
    if (
      retrySince !== undefined &&
      environ.length === 0 &&
      Number(readProcStartTime(pid) ?? -1) >= retrySince
    ) {
      for (let attempt = 0; attempt < 3 && environ?.length === 0; attempt += 1) {
        Atomics.wait(PAUSE, 0, 0, 2);
        environ = readEnviron(pid);
      }
      if (environ === undefined) continue;
    }
    if (environ.indexOf(needle) === -1) continue;
    const stat = readProcStat(pid);
    if (stat) out.push(stat);
  }
  return out;
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** A view valid until the next /proc read (see proc-read.ts): searched at once by the caller. */
function readEnviron(pid: number): Buffer | undefined {
  return readProcBytes(`/proc/${pid}/environ`);
}

let ownGroup: number | undefined;
/** Our own process group: never signalled, whatever a child did. */
export function ownProcessGroup(): number {
  if (ownGroup === undefined) ownGroup = readProcStat(process.pid)?.pgid ?? process.pid;
  return ownGroup;
}
