import type { RuntimeEvent } from "@millrace/contracts";

/** One applied stage result, as the liveness rules need it. */
export interface CompletionRecord {
  readonly workItemId: string | null;
  readonly stage: string;
  readonly terminalResult: string;
  readonly failureClass: string | null;
  /** Epoch milliseconds. */
  readonly at: number;
}

/**
 * Failure classes that say "the provider or the transport failed, try again later" (as opposed to
 * the agent's own result): a burst of them is a retry storm.
 */
export const TRANSIENT_FAILURE_CLASSES: ReadonlySet<string> = new Set([
  "provider_failure",
  "runner_transport_failure",
  "runner_provider_failure",
  "runner_rate_limited",
  "runner_retry_exhausted",
  "runner_incomplete_stream",
  "runner_incomplete_rpc_stream",
]);

/** How many recent results the engine keeps for the rules (enough for any sane threshold). */
export const HISTORY_LIMIT = 1000;

/** The engine's recent stage results, in memory (no log reads on the stage hand-off path). */
export class CompletionHistory {
  private readonly records: CompletionRecord[] = [];

  add(record: CompletionRecord): void {
    this.records.push(record);
    if (this.records.length > HISTORY_LIMIT) this.records.splice(0, this.records.length - HISTORY_LIMIT);
  }

  /** Drops an item's results: once a stop has answered its loop or storm, counting starts afresh. */
  forget(workItemId: string | null): void {
    for (let index = this.records.length - 1; index >= 0; index -= 1) {
      if (this.records[index]?.workItemId === workItemId) this.records.splice(index, 1);
    }
  }

  list(): readonly CompletionRecord[] {
    return this.records;
  }
}

/** Stage results from runtime events (`stage_completed`), oldest first, as the engine counts them. */
export function completionsFromEvents(events: readonly RuntimeEvent[]): CompletionRecord[] {
  const records: CompletionRecord[] = [];
  const seen = new Set<string>();
  for (const event of events) {
    const data = event.data as Record<string, unknown>;
    if (event.event_type === "liveness_changed") {
      // A stop answered the item's loop or storm: the engine counts afresh from there, and so do we.
      if (data.response === "pause_item" || data.response === "recovery_request") {
        const item = typeof data.work_item_id === "string" ? data.work_item_id : null;
        for (let index = records.length - 1; index >= 0; index -= 1) {
          if (records[index]?.workItemId === item) records.splice(index, 1);
        }
      }
      continue;
    }
    if (event.event_type !== "stage_completed") continue;
    // A step replayed after a kill logs its events twice; one request is one result.
    const requestId = typeof data.request_id === "string" ? data.request_id : "";
    if (requestId && seen.has(requestId)) continue;
    seen.add(requestId);
    const at = Date.parse(event.occurred_at);
    if (typeof data.stage !== "string" || typeof data.terminal_result !== "string" || Number.isNaN(at))
      continue;
    records.push({
      workItemId: typeof data.work_item_id === "string" ? data.work_item_id : null,
      stage: data.stage,
      terminalResult: data.terminal_result,
      failureClass: typeof data.failure_class === "string" ? data.failure_class : null,
      at,
    });
  }
  return records;
}
