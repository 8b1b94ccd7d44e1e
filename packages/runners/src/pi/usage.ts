import type { TokenUsage } from "@millrace/contracts";

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** Usage of one assistant `message_end`: Pi's input excludes cache reads and writes. */
export function usageFromPiMessage(message: Record<string, unknown>): TokenUsage | undefined {
  const usage = message.usage as Record<string, unknown> | undefined;
  if (!usage || typeof usage !== "object") return undefined;
  const input = Math.round(num(usage.input) + num(usage.cacheRead) + num(usage.cacheWrite));
  const output = Math.round(num(usage.output));
  const cost = usage.cost as Record<string, unknown> | undefined;
  return {
    input_tokens: input,
    cached_input_tokens: Math.round(num(usage.cacheRead)),
    output_tokens: output,
    thinking_tokens: 0,
    total_tokens: input + output,
    cache_write_input_tokens: Math.round(num(usage.cacheWrite)),
    cost_usd: num(cost?.total),
  };
}
