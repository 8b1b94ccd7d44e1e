import v8 from "node:v8";

/**
 * The V8 flag that keeps a daemon's young generation at its initial size (1 MiB a semi-space)
 * instead of letting it grow to 16 MiB a semi-space under the allocation burst of a busy run; V8
 * never gives that space back, so a daemon that once ran fast stayed ~30 MB bigger for good
 * (docs/performance.md, "Memory"). Measured: no change in handoff time beyond the noise.
 */
export const DAEMON_HEAP_FLAG = "--semi-space-growth-factor=1";

/**
 * The V8 flag that makes a daemon hand fewer functions to the optimizing compiler (TurboFan): a
 * function is considered for optimization after it has run this many bytes of bytecode since the
 * last check, 16 times V8's default (67,584 on Node 20). Code that runs at every stage still gets
 * optimized after a few dozen stages; what a daemon runs a handful of times (startup, the plan's
 * compile, preflight, a rare recovery) stays in the interpreter and the baseline compiler. Each
 * optimization job builds its graphs in memory that the compiler threads' malloc arenas keep
 * afterwards, and the optimized code itself stays in the heap, so fewer jobs leave a smaller daemon:
 * about 5 MB less RSS idle after 100 to 600 tasks, with no CPU cost a stage measured beyond the
 * noise (docs/performance.md, "Memory", seventh pass). V8 reads it each time a budget runs out, so
 * it takes effect at run time.
 */
export const DAEMON_TIERING_FLAG = "--interrupt-budget=1081344";

/** Whether any of `execArgv` and `NODE_OPTIONS` matches `pattern` (the operator chose that setting). */
function operatorChose(pattern: RegExp, execArgv: readonly string[], nodeOptions: string): boolean {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => pattern.test(arg));
}

/**
 * Applies DAEMON_HEAP_FLAG and DAEMON_TIERING_FLAG to this process (both take effect at run time,
 * unlike `--max-semi-space-size`). An operator's own setting on the node command line or in
 * NODE_OPTIONS wins: a young-generation size (`--max-semi-space-size`, `--semi-space-...`) keeps
 * the first flag out, a tiering setting (`--interrupt-budget`, `--max-opt`, `--opt`/`--no-opt`,
 * `--jitless`) the second. Returns the flags applied.
 */
export function leanDaemonHeap(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
): string[] {
  const applied: string[] = [];
  if (!operatorChose(/semi[-_]space/, execArgv, nodeOptions)) applied.push(DAEMON_HEAP_FLAG);
  if (!operatorChose(/^--(interrupt[-_]budget|max[-_]opt|(no-?)?opt$|jitless)/, execArgv, nodeOptions))
    applied.push(DAEMON_TIERING_FLAG);
  for (const flag of applied) v8.setFlagsFromString(flag);
  return applied;
}
