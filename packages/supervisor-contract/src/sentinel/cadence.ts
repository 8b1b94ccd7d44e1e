import type { SentinelCadenceStep } from "@millrace/contracts";

/** The check interval for how long nothing has changed: the last step whose threshold is passed. */
export function cadenceInterval(
  steps: readonly SentinelCadenceStep[],
  secondsWithoutProgress: number,
): number {
  let interval = steps[0]?.interval_seconds ?? 300;
  for (const step of steps) {
    if (secondsWithoutProgress >= step.after_seconds) interval = step.interval_seconds;
  }
  return interval;
}
