import type { TokenUsage } from "@millrace/contracts";

function int(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === "number" && Number.isFinite(value) && value >= 0 && Math.round(value) === value)
    return value;
  return undefined;
}

/**
 * Codex usage dicts (`turn.completed.usage` and session-log `total_token_usage`): input includes
 * cached tokens; reasoning is reported separately from (and included in) output.
 */
export function usageFromCodexDict(value: unknown): TokenUsage | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const usage = value as Record<string, unknown>;
  const input = int(usage.input_tokens);
  const output = int(usage.output_tokens);
  if (input === undefined || output === undefined) return undefined;
  const thinking =
    int(usage.reasoning_output_tokens) ?? int(usage.thinking_tokens) ?? int(usage.reasoning_tokens) ?? 0;
  const cacheWrite = int(usage.cache_write_input_tokens);
  return {
    input_tokens: input,
    cached_input_tokens: int(usage.cached_input_tokens) ?? 0,
    output_tokens: output,
    thinking_tokens: thinking,
    total_tokens: int(usage.total_tokens) ?? input + output,
    ...(cacheWrite !== undefined ? { cache_write_input_tokens: cacheWrite } : {}),
  };
}

/** `{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{…}}}}` and the bare form. */
export function usageFromSessionLog(event: Record<string, unknown>): TokenUsage | undefined {
  if (event.type === "event_msg" && event.payload && typeof event.payload === "object") {
    return usageFromSessionLog(event.payload as Record<string, unknown>);
  }
  if (event.type !== "token_count") return undefined;
  const info = event.info as Record<string, unknown> | undefined;
  if (!info || typeof info !== "object") return undefined;
  return usageFromCodexDict(info.total_token_usage) ?? usageFromCodexDict(info.last_token_usage);
}
