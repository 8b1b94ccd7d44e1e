import type { RuntimeEventData, RuntimeEventName } from "@millrace/contracts";
import { appendRuntimeEvents } from "@millrace/workspace";
import type { EngineContext } from "../state/context.js";
import { type PendingEvent, recordEvent } from "../state/event-journal.js";

/**
 * Records an event from outside the engine's step (a liveness check on a timer while a stage runs):
 * appended at once and shown on the monitor, without touching the step's pending events or saving
 * the snapshot mid-step.
 */
export function recordDetachedEvent<
  N extends Exclude<RuntimeEventName, "runtime_started" | "stage_started" | "router_decision">,
>(ctx: EngineContext, eventType: N, data: RuntimeEventData<N>): void {
  const sink = { clock: ctx.clock, pendingEvents: [] as PendingEvent[] };
  (recordEvent as (s: typeof sink, n: N, d: RuntimeEventData<N>) => void)(sink, eventType, data);
  appendRuntimeEvents(ctx.paths.runtimeEvents, sink.pendingEvents);
  for (const event of sink.pendingEvents) if (event.monitor) ctx.monitor.emit(event.monitor);
}
