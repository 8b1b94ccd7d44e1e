import type { TokenUsage } from "@millrace/contracts";
import { parseJsonObjectLine } from "../process/line-splitter.js";
import { addUsage } from "../token-usage.js";
import { usageFromPiMessage } from "./usage.js";

/** How the agent's run ended, from the last `agent_end` (or a failed auto-retry). */
export interface PiTerminal {
  readonly failed: boolean;
  readonly message: string | undefined;
  readonly text: string;
}

function assistantText(message: Record<string, unknown> | undefined): string {
  const content = message?.content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((part) => part && part.type === "text" && typeof part.text === "string")
    .map((part) => part.text as string)
    .join("");
}

function lastAssistant(messages: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(messages)) return undefined;
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index];
    if (message && typeof message === "object" && (message as Record<string, unknown>).role === "assistant") {
      return message as Record<string, unknown>;
    }
  }
  return undefined;
}

/**
 * Reads Pi's RPC stdout: command responses go to `onResponse`; usage, auto-retries and the run's
 * terminal state are collected here. `agent_end` is per attempt, so a failed attempt becomes
 * terminal only if no auto-retry is announced within `retryAnnounceMs`.
 */
export class PiStreamState {
  /** Every event line except the streaming `message_update`s (kept for the event log). */
  readonly keptEvents: string[] = [];
  usage: TokenUsage | undefined;
  retries = 0;
  nonJsonLines = 0;
  terminal: PiTerminal | undefined;
  /** Resolves when the run reaches its terminal state. */
  readonly terminalReached: Promise<"terminal">;
  private onTerminal: () => void = () => {};
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly retryAnnounceMs: number,
    private readonly onResponse: (response: Record<string, unknown>) => void,
  ) {
    this.terminalReached = new Promise((resolve) => {
      this.onTerminal = () => resolve("terminal");
    });
  }

  readLine(line: string): void {
    const event = parseJsonObjectLine(line);
    if (!event) {
      if (line.trim()) this.nonJsonLines += 1;
      return;
    }
    if (event.type !== "message_update") this.keptEvents.push(line);
    switch (event.type) {
      case "response":
        this.onResponse(event);
        break;
      case "message_end": {
        const message = event.message as Record<string, unknown> | undefined;
        if (message?.role === "assistant") {
          const one = usageFromPiMessage(message);
          if (one) this.usage = this.usage ? addUsage(this.usage, one) : one;
        }
        break;
      }
      case "agent_end":
        this.agentEnd(lastAssistant(event.messages));
        break;
      case "auto_retry_start":
        this.retries += 1;
        if (this.retryTimer) clearTimeout(this.retryTimer);
        break;
      case "auto_retry_end":
        if (event.success === false) {
          this.finish({
            failed: true,
            message: typeof event.finalError === "string" ? event.finalError : "retries exhausted",
            text: "",
          });
        }
        break;
      default:
        break;
    }
  }

  /** Stops waiting for a retry announcement. */
  dispose(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  notes(): string[] {
    const notes: string[] = [];
    if (this.nonJsonLines > 0) notes.push(`ignored ${this.nonJsonLines} non-JSON stdout line(s)`);
    if (this.retries > 0) notes.push(`pi auto-retries: ${this.retries}`);
    return notes;
  }

  private agentEnd(last: Record<string, unknown> | undefined): void {
    const stopReason = last?.stopReason;
    const text = assistantText(last);
    if (stopReason === "error") {
      // agent_end is per attempt: Pi may announce a retry right after it.
      const message = typeof last?.errorMessage === "string" ? last.errorMessage : "provider error";
      this.retryTimer = setTimeout(() => this.finish({ failed: true, message, text }), this.retryAnnounceMs);
    } else {
      this.finish({
        failed: stopReason === "aborted",
        message: typeof last?.errorMessage === "string" ? last.errorMessage : undefined,
        text,
      });
    }
  }

  private finish(value: PiTerminal): void {
    if (this.terminal) return;
    this.terminal = value;
    this.onTerminal();
  }
}
