import {
  canonicalJson,
  formatEventTimestamp,
  isRuntimeEventName,
  type RuntimeEvent,
  RuntimeEventSchema,
  runtimeEventPayloadSchema,
  type TypedRuntimeEvent,
} from "@millrace/contracts";
import type { EventCursor } from "./event-cursor.js";
import { type CursorReadOptions, type CursorReadResult, readEventsFromCursor } from "./event-log-cursor.js";
import { type EventReadOptions, readFileFrom, tailFile } from "./event-log-read.js";
import {
  appendWithRotation,
  DEFAULT_EVENT_LOG_ROTATION,
  type EventLogRotation,
  rotatedSegments,
  segmentPath,
} from "./event-log-segments.js";

export type { EventReadOptions } from "./event-log-read.js";

/**
 * The append-only runtime event log (`logs/runtime_events.jsonl`): one JSON object per line, keys
 * sorted, `+00:00` timestamps. Appends are fsync'd; readers tolerate a torn last line (a writer
 * killed mid-append) by ignoring any text after the last newline. Writers are strict (only events
 * declared in `RUNTIME_EVENT_PAYLOADS`); readers are tolerant (any snake_case name), so old logs
 * and logs from other versions stay readable. The log rotates by size into numbered segments
 * (event-log-segments.ts); cursors address a segment and an offset (event-log-cursor.ts), so
 * followers read across rotations.
 */

/** An event to append: a declared name with its payload, and when it happened. */
export type RuntimeEventInput = TypedRuntimeEvent & {
  /** Defaults to now. */
  occurred_at?: Date;
};

/**
 * Strict mode (`MILLRACE_STRICT_EVENTS=1`, set by the test suites) also checks each payload
 * against its declaration; without it only the name is checked, which costs a set lookup.
 */
function strictEvents(): boolean {
  return process.env.MILLRACE_STRICT_EVENTS === "1";
}

function assertDeclared(event: RuntimeEventInput, strict: boolean): void {
  if (!isRuntimeEventName(event.event_type)) {
    throw new Error(
      `runtime event ${JSON.stringify(event.event_type)} is not declared; add it to RUNTIME_EVENT_PAYLOADS in @millrace/contracts`,
    );
  }
  if (!strict) return;
  // Only this event's payload schema is built (on its first use), not the union of every event.
  const result = runtimeEventPayloadSchema(event.event_type).safeParse(event.data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `runtime event ${event.event_type} does not match its declaration: ${["data", ...(issue?.path ?? [])].join(".")}: ${issue?.message}`,
    );
  }
}

function renderLine(event: RuntimeEventInput, strict: boolean): string {
  assertDeclared(event, strict);
  const value: RuntimeEvent = RuntimeEventSchema.parse({
    data: event.data ?? {},
    event_type: event.event_type,
    kind: "runtime_event",
    occurred_at: formatEventTimestamp(event.occurred_at ?? new Date()),
    schema_version: "1.0",
  });
  return `${canonicalJson(value)}\n`;
}

/** Renders one event line (with its trailing newline) without writing it. Refuses undeclared events. */
export function formatRuntimeEventLine(event: RuntimeEventInput): string {
  return renderLine(event, strictEvents());
}

export interface AppendEventsOptions {
  /** Size-based rotation; `false` never rotates. Default: DEFAULT_EVENT_LOG_ROTATION. */
  rotation?: EventLogRotation | false;
}

/**
 * Appends events to the log (creating the file and its folder if needed) and fsyncs once; rotates
 * the live file first when it has reached the rotation size.
 */
export function appendRuntimeEvents(
  file: string,
  events: readonly RuntimeEventInput[],
  options: AppendEventsOptions = {},
): void {
  if (events.length === 0) return;
  const strict = strictEvents();
  const text = events.map((event) => renderLine(event, strict)).join("");
  appendWithRotation(file, text, options.rotation ?? DEFAULT_EVENT_LOG_ROTATION);
}

export function appendRuntimeEvent(
  file: string,
  event: RuntimeEventInput,
  options: AppendEventsOptions = {},
): void {
  appendRuntimeEvents(file, [event], options);
}

/**
 * The last `count` complete events, oldest first, reaching back into rotated segments when the
 * live file holds fewer. Reads fixed-size chunks backwards from the end and stops as soon as it has
 * enough lines; a torn last line and unparseable lines are skipped. A missing log has no events.
 */
export function tailEvents(file: string, count: number, options: EventReadOptions = {}): RuntimeEvent[] {
  let events = tailFile(file, count, options);
  const rotated = rotatedSegments(file);
  for (let i = rotated.length - 1; i >= 0 && events.length < count; i--) {
    events = [
      ...tailFile(segmentPath(file, rotated[i] as number), count - events.length, options),
      ...events,
    ];
  }
  return events;
}

export interface EventsFromResult {
  events: RuntimeEvent[];
  /** Where the next read should start: just after the last complete line consumed. */
  nextOffset: number;
}

/**
 * Complete events after a position, for followers that remember where they stopped.
 *
 * - With a byte offset: events of the live file from that offset (an incomplete last line is left
 *   for the next call).
 * - With an EventCursor: events from that segment and offset on, continuing into later segments
 *   up to the live file's end, with the cursor to continue from (see readEventsFromCursor).
 */
export function readEventsFrom(
  file: string,
  byteOffset: number,
  options?: EventReadOptions,
): EventsFromResult;
export function readEventsFrom(
  file: string,
  cursor: EventCursor,
  options?: CursorReadOptions,
): CursorReadResult;
export function readEventsFrom(
  file: string,
  from: number | EventCursor,
  options: CursorReadOptions = {},
): EventsFromResult | CursorReadResult {
  if (typeof from !== "number") return readEventsFromCursor(file, from, options);
  const { events, nextOffset } = readFileFrom(file, from, options);
  return { events, nextOffset };
}
