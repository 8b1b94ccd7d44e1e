import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import {
  canonicalJson,
  formatEventTimestamp,
  type RuntimeEvent,
  RuntimeEventSchema,
} from "@millrace/contracts";
import { appendFileDurableSync } from "./atomic-write.js";

/**
 * The append-only runtime event log (`logs/runtime_events.jsonl`): one JSON object per line, keys
 * sorted, `+00:00` timestamps. Appends are fsync'd; readers tolerate a torn last line (a writer
 * killed mid-append) by ignoring any text after the last newline.
 */

export interface RuntimeEventInput {
  event_type: string;
  data?: Record<string, unknown>;
  /** Defaults to now. */
  occurred_at?: Date;
}

/** Renders one event line (with its trailing newline) without writing it. */
export function formatRuntimeEventLine(event: RuntimeEventInput): string {
  const value: RuntimeEvent = RuntimeEventSchema.parse({
    data: event.data ?? {},
    event_type: event.event_type,
    kind: "runtime_event",
    occurred_at: formatEventTimestamp(event.occurred_at ?? new Date()),
    schema_version: "1.0",
  });
  return `${canonicalJson(value)}\n`;
}

/** Non-blocking, so a FIFO planted as the log cannot stall a reader in `open`; fstat then refuses it. */
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** Appends events to the log (creating the file and its folder if needed) and fsyncs once. */
export function appendRuntimeEvents(file: string, events: readonly RuntimeEventInput[]): void {
  if (events.length === 0) return;
  appendFileDurableSync(file, events.map(formatRuntimeEventLine).join(""));
}

export function appendRuntimeEvent(file: string, event: RuntimeEventInput): void {
  appendRuntimeEvents(file, [event]);
}

export interface EventReadOptions {
  /** Bytes per read from the end of the file (default 64 KiB). */
  chunkSize?: number;
  /** Observes every read: the byte count actually read. Tests use it to prove the file is not read whole. */
  onRead?: (bytes: number) => void;
}

function parseLine(line: string): RuntimeEvent | undefined {
  if (line.trim() === "") return undefined;
  try {
    const result = RuntimeEventSchema.safeParse(JSON.parse(line));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The last `count` complete events, oldest first. Reads fixed-size chunks backwards from the end of
 * the file and stops as soon as it has enough lines; a torn last line and unparseable lines are
 * skipped. A missing file has no events.
 */
export function tailEvents(file: string, count: number, options: EventReadOptions = {}): RuntimeEvent[] {
  if (count <= 0) return [];
  const chunkSize = Math.max(1, options.chunkSize ?? 64 * 1024);
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return [];
    let position = stat.size;
    // `carry` holds the start of the region already read up to its first newline: the end of a line
    // that began further back in the file.
    let carry = Buffer.alloc(0);
    let seekingEnd = true;
    const events: RuntimeEvent[] = [];
    while (position > 0 && events.length < count) {
      const length = Math.min(chunkSize, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const n = readSync(fd, chunk, read, length - read, position + read);
        if (n === 0) break;
        read += n;
      }
      options.onRead?.(read);
      let buffer = Buffer.concat([chunk.subarray(0, read), carry]);
      if (seekingEnd) {
        // Text after the final newline is a torn line (a writer died mid-append): skip it.
        const lastNewline = buffer.lastIndexOf(0x0a);
        if (lastNewline < 0) continue;
        buffer = buffer.subarray(0, lastNewline + 1);
        seekingEnd = false;
      }
      let complete = buffer;
      carry = Buffer.alloc(0);
      if (position > 0) {
        const firstNewline = buffer.indexOf(0x0a);
        carry = buffer.subarray(0, firstNewline + 1);
        complete = buffer.subarray(firstNewline + 1);
      }
      const lines = complete.toString("utf8").split("\n");
      for (let i = lines.length - 1; i >= 0 && events.length < count; i--) {
        const event = parseLine(lines[i] ?? "");
        if (event) events.push(event);
      }
    }
    return events.reverse();
  } finally {
    closeSync(fd);
  }
}

export interface EventsFromResult {
  events: RuntimeEvent[];
  /** Where the next read should start: just after the last complete line consumed. */
  nextOffset: number;
}

/**
 * Complete events from `byteOffset` to the end of the file, for followers that remember where they
 * stopped. An incomplete last line is left for the next call (nextOffset stops before it).
 */
export function readEventsFrom(
  file: string,
  byteOffset: number,
  options: EventReadOptions = {},
): EventsFromResult {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { events: [], nextOffset: byteOffset };
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { events: [], nextOffset: byteOffset };
    const size = stat.size;
    const start = Math.min(Math.max(0, byteOffset), size);
    const chunkSize = Math.max(1, options.chunkSize ?? 64 * 1024);
    const events: RuntimeEvent[] = [];
    let position = start;
    let pending = Buffer.alloc(0);
    let consumed = start;
    while (position < size) {
      const length = Math.min(chunkSize, size - position);
      const chunk = Buffer.alloc(length);
      const n = readSync(fd, chunk, 0, length, position);
      if (n === 0) break;
      options.onRead?.(n);
      position += n;
      pending = Buffer.concat([pending, chunk.subarray(0, n)]);
      let newline = pending.indexOf(0x0a);
      while (newline >= 0) {
        const event = parseLine(pending.subarray(0, newline).toString("utf8"));
        if (event) events.push(event);
        consumed += newline + 1;
        pending = pending.subarray(newline + 1);
        newline = pending.indexOf(0x0a);
      }
    }
    return { events, nextOffset: consumed };
  } finally {
    closeSync(fd);
  }
}
