import type { CounterName } from "@millrace/contracts";

/** Per-work-item recovery counter totals. */
export type CounterTotals = Readonly<Record<CounterName, number>>;

export const ZERO_COUNTERS: CounterTotals = Object.freeze({
  fix_cycle_count: 0,
  troubleshoot_attempt_count: 0,
  mechanic_attempt_count: 0,
  consultant_invocations: 0,
});
