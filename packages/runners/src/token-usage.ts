import type { TokenUsage } from "@millrace/contracts";

/** The sum of two usages (optional counts stay absent when both are). */
export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  const sumOptional = (x?: number, y?: number) =>
    x === undefined && y === undefined ? undefined : (x ?? 0) + (y ?? 0);
  const cacheWrite = sumOptional(a.cache_write_input_tokens, b.cache_write_input_tokens);
  const cost = sumOptional(a.cost_usd, b.cost_usd);
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    cached_input_tokens: a.cached_input_tokens + b.cached_input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    thinking_tokens: a.thinking_tokens + b.thinking_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
    ...(cacheWrite !== undefined ? { cache_write_input_tokens: cacheWrite } : {}),
    ...(cost !== undefined ? { cost_usd: cost } : {}),
  };
}
