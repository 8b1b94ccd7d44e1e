import type { CostSource, ModelPrice, TokenUsage } from "@millrace/contracts";

export interface EntryCost {
  readonly cost_usd: number | null;
  readonly cost_source: CostSource;
}

/**
 * The cost of one stage's usage: what the runner reported, else the model's price from the
 * `[usage_governance.prices]` table, else unknown. Cache reads are priced at the cached rate when
 * one is set (they are part of `input_tokens`).
 */
export function costOfUsage(
  usage: TokenUsage,
  modelName: string | null | undefined,
  prices: Readonly<Record<string, ModelPrice>>,
): EntryCost {
  if (usage.cost_usd !== undefined) return { cost_usd: usage.cost_usd, cost_source: "runner" };
  const price = modelName ? prices[modelName] : undefined;
  if (!price) return { cost_usd: null, cost_source: "unknown" };
  const cached = Math.min(usage.cached_input_tokens, usage.input_tokens);
  const uncached = usage.input_tokens - cached;
  const cachedRate = price.cached_input_usd_per_million ?? price.input_usd_per_million;
  const cost =
    (uncached * price.input_usd_per_million +
      cached * cachedRate +
      usage.output_tokens * price.output_usd_per_million) /
    1_000_000;
  return { cost_usd: cost, cost_source: "price_table" };
}
