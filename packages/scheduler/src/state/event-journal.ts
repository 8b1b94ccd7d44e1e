import type { RuntimeEventData, RuntimeEventName, TypedRuntimeEvent } from "@millrace/contracts";
import type { MonitorEvent } from "../monitor/monitor-events.js";
import { type MonitorDetails, type MonitorDetailsArg, monitorViewOf } from "../monitor/monitor-view.js";

/**
 * A runtime event waiting to be appended to `logs/runtime_events.jsonl`, with its monitor view
 * (rendered from the same event) when the monitor shows it.
 */
export type PendingEvent = TypedRuntimeEvent & {
  occurred_at: Date;
  monitor?: MonitorEvent;
  /** Runs right before the monitor view is shown (state/context.ts, `beforeShowingLastEvent`). */
  beforeShow?: () => void;
};

/** Whatever collects events for one commit: the engine's context, or a control command's state. */
export interface EventSink {
  readonly clock: () => Date;
  readonly pendingEvents: PendingEvent[];
}

/**
 * Records a runtime event: produced once here, rendered twice later (the log line when the step
 * commits, and the monitor view, announced after the commit). Events the monitor shows with more
 * than the log keeps take their monitor details as the last argument.
 */
export function recordEvent<N extends RuntimeEventName>(
  sink: EventSink,
  eventType: N,
  data: RuntimeEventData<N>,
  ...details: MonitorDetailsArg<N>
): void {
  const event = { event_type: eventType, data } as TypedRuntimeEvent;
  const occurredAt = sink.clock();
  const monitor = monitorViewOf(event, occurredAt, details[0] as MonitorDetails[keyof MonitorDetails]);
  sink.pendingEvents.push({ ...event, occurred_at: occurredAt, ...(monitor ? { monitor } : {}) });
}
