import type { TokenUsage } from "@millrace/contracts";

/** What the adapter learns from a `codex exec --json` event stream while it runs. */
export class CodexStreamState {
  sessionId: string | undefined;
  lastAgentMessage: string | undefined;
  turnCompleted = false;
  turnFailedMessage: string | undefined;
  errorMessages: string[] = [];
  retryNotices = 0;
  nonJsonLines = 0;
  private turnUsage: TokenUsage | undefined;
  private sessionLogUsage: TokenUsage | undefined;

  /** Feeds one parsed line; returns true when the line was a provider retry notice. */
  accept(event: Record<string, unknown>): boolean {
    switch (event.type) {
      case "thread.started":
        if (typeof event.thread_id === "string") this.sessionId = event.thread_id;
        return false;
      case "item.completed": {
        const item = event.item as Record<string, unknown> | undefined;
        if (item?.type === "agent_message" && typeof item.text === "string")
          this.lastAgentMessage = item.text;
        return false;
      }
      case "turn.completed": {
        this.turnCompleted = true;
        const usage = usageFromCodexDict(event.usage);
        if (usage) this.turnUsage = this.turnUsage ? addUsage(this.turnUsage, usage) : usage;
        return false;
      }
      case "turn.failed": {
        const error = event.error as Record<string, unknown> | undefined;
        this.turnFailedMessage = typeof error?.message === "string" ? error.message : "turn failed";
        return false;
      }
      case "error": {
        const message = typeof event.message === "string" ? event.message : "";
        // Despite the name, these are mostly transient retry notices; only turn.failed is terminal.
        if (message.startsWith("Reconnecting")) {
          this.retryNotices += 1;
          return true;
        }
        this.errorMessages.push(message);
        return false;
      }
      default: {
        const usage = usageFromSessionLog(event);
        if (usage && (!this.sessionLogUsage || usage.total_tokens >= this.sessionLogUsage.total_tokens)) {
          this.sessionLogUsage = usage;
        }
        return false;
      }
    }
  }

  /** Usage from `turn.completed`, else the session-log `token_count` shape. */
  usage(): TokenUsage | undefined {
    return this.turnUsage ?? this.sessionLogUsage;
  }
}

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
