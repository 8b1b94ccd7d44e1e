import { parseJsonObjectLine } from "../process/line-splitter.js";

/** What the adapter learns from a `claude -p --output-format stream-json` stream while it runs. */
export class ClaudeStreamState {
  sessionId: string | undefined;
  /** The final `result` message. */
  result: Record<string, unknown> | undefined;
  /** The `error` of the last assistant message (`authentication_failed`, `rate_limit`, …). */
  assistantError: string | undefined;
  lastAssistantText: string | undefined;
  retries = 0;
  nonJsonLines = 0;

  /** Feeds one stdout line; returns true when it was a provider retry (`system/api_retry`). */
  readLine(line: string): boolean {
    const event = parseJsonObjectLine(line);
    if (!event) {
      if (line.trim()) this.nonJsonLines += 1;
      return false;
    }
    if (typeof event.session_id === "string") this.sessionId = event.session_id;
    if (event.type === "result") this.result = event;
    else if (event.type === "assistant") {
      if (typeof event.error === "string") this.assistantError = event.error;
      const content = (event.message as Record<string, unknown> | undefined)?.content;
      if (Array.isArray(content)) {
        const text = content
          .filter((part) => part && part.type === "text" && typeof part.text === "string")
          .map((part) => part.text as string)
          .join("\n");
        if (text) this.lastAssistantText = text;
      }
    } else if (event.type === "system" && event.subtype === "api_retry") {
      this.retries += 1;
      return true;
    }
    return false;
  }

  /** The result message's text, else the last assistant text. */
  finalText(): string | undefined {
    return typeof this.result?.result === "string" ? this.result.result : this.lastAssistantText;
  }

  notes(): string[] {
    const notes: string[] = [];
    if (this.nonJsonLines > 0) notes.push(`ignored ${this.nonJsonLines} non-JSON stdout line(s)`);
    if (this.retries > 0) notes.push(`provider retry events seen: ${this.retries}`);
    return notes;
  }
}
