import type { TokenUsage } from "@millrace/contracts";
import { parseJsonObjectLine } from "../process/line-splitter.js";
import { addUsage } from "../token-usage.js";
import { usageFromCodexDict, usageFromSessionLog } from "./usage.js";

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

  /** Feeds one stdout line; returns true when it was a provider retry notice. */
  readLine(line: string): boolean {
    const event = parseJsonObjectLine(line);
    if (!event) {
      if (line.trim().length > 0) this.nonJsonLines += 1;
      return false;
    }
    return this.accept(event);
  }

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

  /** What the stream itself is worth noting in the raw result. */
  notes(): string[] {
    const notes: string[] = [];
    if (this.nonJsonLines > 0) notes.push(`ignored ${this.nonJsonLines} non-JSON stdout line(s)`);
    if (this.retryNotices > 0) notes.push(`provider retry notices seen: ${this.retryNotices}`);
    return notes;
  }
}
