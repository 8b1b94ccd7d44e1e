import { USAGE_METRICS, type UsageLedgerEntry, type UsageMetric } from "@millrace/contracts";

/** Index of each metric in a `Sums` vector. */
export const METRIC_INDEX: Readonly<Record<UsageMetric, number>> = {
  total_tokens: 0,
  input_tokens: 1,
  output_tokens: 2,
  cost_usd: 3,
};

/** One value per metric, in `USAGE_METRICS` order. */
export type Sums = Float64Array;

export function emptySums(): Sums {
  return new Float64Array(USAGE_METRICS.length);
}

/** An entry's contribution per metric; an unknown cost counts as 0 (and is reported apart). */
export function entryValues(entry: UsageLedgerEntry): Sums {
  const sums = emptySums();
  sums[0] = entry.token_usage.total_tokens;
  sums[1] = entry.token_usage.input_tokens;
  sums[2] = entry.token_usage.output_tokens;
  sums[3] = entry.cost_usd ?? 0;
  return sums;
}

export function addInto(target: Sums, values: Sums): void {
  for (let i = 0; i < target.length; i += 1) target[i] = (target[i] ?? 0) + (values[i] ?? 0);
}

export function sumsRecord(sums: Sums | undefined): Record<UsageMetric, number> {
  return {
    total_tokens: sums?.[0] ?? 0,
    input_tokens: sums?.[1] ?? 0,
    output_tokens: sums?.[2] ?? 0,
    cost_usd: sums?.[3] ?? 0,
  };
}
