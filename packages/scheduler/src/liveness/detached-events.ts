import type { RuntimeEventData } from "@millrace/contracts";
import { appendRuntimeEvents } from "@millrace/workspace";
import type { EngineContext } from "../state/context.js";
import { type PendingEvent, recordEvent } from "../state/event-journal.js";

/** The events a liveness watch records. */
export type DetachedEventName = "liveness_changed" | "liveness_notified";

/**
 * Records an event from outside the engine's step (a liveness check on a timer while a stage runs):
 * appended at once and shown on the monitor, without touching the step's pending events or saving
 * the snapshot mid-step.
 */
export function recordDetachedEvent<N extends DetachedEventName>(
  ctx: EngineContext,
  eventType: N,
  data: RuntimeEventData<N>,
): void {
  const sink = { clock: ctx.clock, pendingEvents: [] as PendingEvent[] };
  // (The cast: recordEvent's monitor-details argument cannot be resolved for a generic name; these have none.)
  (recordEvent as (s: typeof sink, n: N, d: RuntimeEventData<N>) => void)(sink, eventType, data);
  appendRuntimeEvents(ctx.paths.runtimeEvents, sink.pendingEvents);
  for (const event of sink.pendingEvents) if (event.monitor) ctx.monitor.emit(event.monitor);
}
