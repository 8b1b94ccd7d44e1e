import { mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * cgroup v2 per stage: the only containment an agent cannot leave by itself (a process that calls
 * `setsid` and clears its environment escapes the process group and the tag scan, not its cgroup).
 * Every stage gets `<own cgroup>/millrace/stage-<tag>`; the stage wrapper moves itself in before it
 * execs the agent, so every descendant is born inside; `cgroup.kill` ends them all at once.
 */

export const CGROUP_PARENT_NAME = "millrace";

/** Mount points of cgroup2 filesystems, from `/proc/self/mountinfo` (field 5; fstype after ` - `). */
export function cgroup2Mounts(mountinfo = readText("/proc/self/mountinfo")): string[] {
  const mounts: string[] = [];
  for (const line of (mountinfo ?? "").split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right?.startsWith("cgroup2 ")) continue;
    const fields = left.split(" ");
    const root = fields[3];
    const point = fields[4];
    // Only a mount of the hierarchy's root maps our cgroup path onto a folder directly.
    if (point && root === "/") mounts.push(point.replace(/\\040/g, " "));
  }
  return mounts;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Our own cgroup v2 path (the `0::` line of `/proc/self/cgroup`). */
function ownCgroup(): string | undefined {
  const line = (readText("/proc/self/cgroup") ?? "").split("\n").find((l) => l.startsWith("0::"));
  return line ? line.slice(3) || "/" : undefined;
}

let parentCache: string | null | undefined;

/**
 * The folder stage cgroups are created in, or null when cgroup v2 is absent or not writable here
 * (decided once per process: the answer does not change while the daemon runs).
 */
export function stageCgroupParent(): string | null {
  if (parentCache !== undefined) return parentCache;
  parentCache = null;
  const own = ownCgroup();
  const mount = cgroup2Mounts()[0];
  if (!own || !mount) return null;
  const parent = path.join(mount, own, CGROUP_PARENT_NAME);
  try {
    mkdirSync(parent, { recursive: true });
    readFileSync(path.join(parent, "cgroup.procs"));
    parentCache = parent;
    sweepAbandonedStageCgroups(parent);
  } catch {
    parentCache = null;
  }
  return parentCache;
}

/** Empty stage cgroups older than this are litter from a workspace whose records are gone. */
const ABANDONED_AFTER_MS = 10 * 60 * 1000;

/**
 * Removes empty `stage-*` cgroups created long ago. A daemon killed before it could clean up leaves
 * one per stage; the startup reaper removes those it has records for, but a deleted workspace takes
 * its records with it. The age guard keeps a stage another daemon has just created (not joined
 * yet) out of reach; a populated cgroup cannot be removed anyway.
 */
export function sweepAbandonedStageCgroups(parent: string, now = Date.now()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(parent).filter((name) => name.startsWith("stage-"));
  } catch {
    return removed;
  }
  for (const name of names) {
    const dir = path.join(parent, name);
    try {
      if (now - statSync(dir).mtimeMs < ABANDONED_AFTER_MS || cgroupPopulated(dir)) continue;
      rmdirSync(dir);
      removed.push(dir);
    } catch {
      // in use, or removed concurrently
    }
  }
  return removed;
}

/** For tests: force a parent folder, `null` (no cgroups), or `undefined` (detect again). */
export function overrideCgroupParent(value?: string | null): void {
  parentCache = value;
}

/** Creates the stage's cgroup; null when cgroups are unavailable or the kernel refused. */
export function createStageCgroup(tag: string): string | null {
  const parent = stageCgroupParent();
  if (!parent) return null;
  const dir = path.join(parent, `stage-${tag}`);
  try {
    mkdirSync(dir);
    return dir;
  } catch {
    return null;
  }
}

/** Pids currently in the cgroup (empty when it is gone). */
export function cgroupPids(dir: string): number[] {
  const text = readText(path.join(dir, "cgroup.procs"));
  if (!text) return [];
  return text
    .split("\n")
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

export function cgroupPopulated(dir: string): boolean {
  const events = readText(path.join(dir, "cgroup.events"));
  if (events === undefined) return cgroupPids(dir).length > 0;
  return /^populated 1$/m.test(events);
}

/**
 * SIGKILLs every process in the cgroup: `cgroup.kill` (Linux 5.14+), else each listed pid until the
 * list stays empty. Returns the pids that were in it.
 */
export function killCgroup(dir: string): number[] {
  const pids = cgroupPids(dir);
  if (pids.length === 0) return [];
  try {
    writeFileSync(path.join(dir, "cgroup.kill"), "1");
    return pids;
  } catch {
    // older kernel: no cgroup.kill
  }
  for (let round = 0; round < 20; round += 1) {
    const now = cgroupPids(dir);
    if (now.length === 0) break;
    for (const pid of now) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
  return pids;
}

/** Removes an empty stage cgroup; false when it still holds processes (or is already gone). */
export function removeCgroup(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/**
 * Whether a recorded cgroup path is one we would have created for this tag: under a cgroup2 mount,
 * in a `millrace` folder, named `stage-<tag>`. A record is workspace data, so a path that names any
 * other cgroup (whose `cgroup.kill` would end unrelated processes) is never trusted.
 */
export function isStageCgroupPath(dir: string, tag: string): boolean {
  if (!path.isAbsolute(dir) || path.normalize(dir) !== dir || dir.includes("/../")) return false;
  if (path.basename(dir) !== `stage-${tag}`) return false;
  if (path.basename(path.dirname(dir)) !== CGROUP_PARENT_NAME) return false;
  return cgroup2Mounts().some((mount) => dir.startsWith(`${mount}/`));
}
