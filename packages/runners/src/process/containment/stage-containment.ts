import { readProcStat } from "../proc-scan.js";
import { cgroupPopulated, createStageCgroup, killCgroup, removeCgroup } from "./cgroup.js";
import { beginStageRecord, type StageRecordWriter } from "./stage-record.js";
import { wrapStageCommand } from "./wrapper.js";

/** Where a stage's spawn record goes and which run it belongs to. */
export interface ContainmentTarget {
  readonly runtimeRoot: string;
  readonly runDir: string;
  /**
   * Run the stage in its own cgroup v2 where the kernel allows it (default true). Joining a cgroup
   * costs one kernel task migration per stage (an RCU grace period, ~5–15 ms measured on a loaded
   * 2-core machine); without it a `setsid env -i` escape is not caught.
   */
  readonly cgroup?: boolean;
}

export interface StageContainment {
  readonly command: string;
  readonly args: readonly string[];
  readonly cgroupPath: string | null;
  readonly parentDeathSignal: boolean;
  spawned(pid: number | undefined): void;
  /** SIGKILLs everything in the stage cgroup; returns the pids that were in it. */
  killCgroup(): number[];
  /**
   * Waits (bounded) until nothing of the stage is alive, then removes the cgroup and the record.
   * False when something survived: the record stays for the startup reaper.
   */
  settle(leftovers: readonly number[]): Promise<boolean>;
}

const SETTLE_LIMIT_MS = 2_000;
const SETTLE_STEP_MAX_MS = 20;

const isAlive = (pid: number): boolean => readProcStat(pid) !== undefined;

const uncontained = (command: string, args: readonly string[]): StageContainment => ({
  command,
  args,
  cgroupPath: null,
  parentDeathSignal: false,
  spawned() {},
  killCgroup: () => [],
  settle: async () => true,
});

/**
 * Prepares the containment of one stage process: its cgroup (when the kernel allows), the wrapped
 * argv, and the durable spawn record. Without a target (version probes) nothing is added.
 */
export function openStageContainment(
  tag: string,
  spec: { command: string; args: readonly string[]; cwd: string; env: Readonly<Record<string, string>> },
  target: ContainmentTarget | undefined,
): StageContainment {
  if (!target) return uncontained(spec.command, spec.args);
  let cgroupPath = target.cgroup === false ? null : createStageCgroup(tag);
  const wrapped = wrapStageCommand(spec.command, spec.args, spec.cwd, spec.env, cgroupPath);
  if (cgroupPath && !wrapped.joinsCgroup) {
    removeCgroup(cgroupPath);
    cgroupPath = null;
  }
  let record: StageRecordWriter;
  try {
    record = beginStageRecord(target.runtimeRoot, tag, target.runDir, cgroupPath, wrapped.parentDeathSignal);
  } catch (error) {
    // Nothing runs unrecorded: a stage whose record cannot be written is not started.
    if (cgroupPath) removeCgroup(cgroupPath);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot record the stage process before starting it: ${message}`);
  }
  const cgroup = cgroupPath;
  return {
    command: wrapped.command,
    args: wrapped.args,
    cgroupPath: cgroup,
    parentDeathSignal: wrapped.parentDeathSignal,
    spawned: (pid) => record.spawned(pid),
    killCgroup: () => (cgroup ? killCgroup(cgroup) : []),
    async settle(leftovers) {
      const deadline = Date.now() + SETTLE_LIMIT_MS;
      // The kernel empties a cgroup a moment after its last process is reaped: poll fast at first.
      let step = 1;
      for (;;) {
        // The caller's sweep (group, tag scan) found `leftovers`; a second /proc scan would double
        // the cost of every stage end, so only those pids (and the cgroup) are watched.
        const alive = (cgroup !== null && cgroupPopulated(cgroup)) || leftovers.some(isAlive);
        if (!alive) break;
        if (Date.now() > deadline) return false;
        if (cgroup) killCgroup(cgroup);
        await new Promise((resolve) => setTimeout(resolve, step));
        step = Math.min(step * 2, SETTLE_STEP_MAX_MS);
      }
      if (cgroup && !removeCgroup(cgroup)) return false;
      record.remove();
      return true;
    },
  };
}
