import v8 from "node:v8";

/**
 * The V8 flag that keeps a daemon's young generation at its initial size (1 MiB a semi-space)
 * instead of letting it grow to 16 MiB a semi-space under the allocation burst of a busy run; V8
 * never gives that space back, so a daemon that once ran fast stayed ~30 MB bigger for good
 * (docs/performance.md, "Memory"). Measured: no change in handoff time beyond the noise.
 */
export const DAEMON_HEAP_FLAG = "--semi-space-growth-factor=1";

/**
 * Applies DAEMON_HEAP_FLAG to this process (it takes effect at run time, unlike
 * `--max-semi-space-size`). An explicit young-generation setting from the operator
 * (`node --max-semi-space-size=...`, NODE_OPTIONS) wins: then nothing is changed. Returns whether
 * the flag was applied.
 */
export function leanDaemonHeap(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
): boolean {
  const chosen = [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => /semi[-_]space/.test(arg));
  if (chosen) return false;
  v8.setFlagsFromString(DAEMON_HEAP_FLAG);
  return true;
}
