import type { TokenUsage } from "@millrace/contracts";

function int(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}

/** Usage from the final `result` message: `modelUsage` summed over models, else `usage`. */
export function usageFromClaudeResult(result: Record<string, unknown>): TokenUsage | undefined {
  const cost = typeof result.total_cost_usd === "number" ? result.total_cost_usd : undefined;
  let input = 0;
  let cacheRead = 0;
  let cacheWrite = 0;
  let output = 0;
  let thinking = 0;
  const models = result.modelUsage;
  if (models && typeof models === "object" && Object.keys(models).length > 0) {
    for (const entry of Object.values(models as Record<string, Record<string, unknown>>)) {
      input += int(entry.inputTokens);
      cacheRead += int(entry.cacheReadInputTokens);
      cacheWrite += int(entry.cacheCreationInputTokens);
      output += int(entry.outputTokens);
      thinking += int(entry.thinkingTokens);
    }
  } else if (result.usage && typeof result.usage === "object") {
    const usage = result.usage as Record<string, unknown>;
    input = int(usage.input_tokens);
    cacheRead = int(usage.cache_read_input_tokens);
    cacheWrite = int(usage.cache_creation_input_tokens);
    output = int(usage.output_tokens);
    const details = usage.output_tokens_details as Record<string, unknown> | undefined;
    thinking = int(details?.thinking_tokens);
  } else {
    return undefined;
  }
  // Claude's input excludes cache traffic; ours counts every prompt token.
  const allInput = input + cacheRead + cacheWrite;
  return {
    input_tokens: allInput,
    cached_input_tokens: cacheRead,
    output_tokens: output,
    thinking_tokens: thinking,
    total_tokens: allInput + output,
    cache_write_input_tokens: cacheWrite,
    ...(cost !== undefined ? { cost_usd: cost } : {}),
  };
}
