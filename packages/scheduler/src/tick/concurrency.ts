import type { ConcurrencyPolicy, Plane } from "@millrace/contracts";

/**
 * May a stage start on `candidate` while `active` planes have runs? Never twice on one plane;
 * always when nothing runs; otherwise only when the mode's policy lets every active plane run beside
 * the candidate (and no group makes them mutually exclusive). Modes without a policy are serial.
 */
export function canDispatch(
  policy: ConcurrencyPolicy | null,
  active: readonly Plane[],
  candidate: Plane,
): boolean {
  if (active.includes(candidate)) return false;
  if (active.length === 0) return true;
  if (!policy) return false;
  return active.every((plane) => {
    const exclusive = policy.mutually_exclusive_planes.some(
      (group) => group.includes(plane) && group.includes(candidate),
    );
    const allowed = policy.may_run_concurrently.some(
      (group) => group.includes(plane) && group.includes(candidate),
    );
    return !exclusive && allowed;
  });
}

/** Planning first, then execution, then learning: the order foreground work is considered in. */
export const PLANE_ORDER: readonly Plane[] = ["planning", "execution", "learning"];
