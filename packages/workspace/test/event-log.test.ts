import { appendFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appendRuntimeEvent, formatRuntimeEventLine, readEventsFrom, tailEvents } from "../src/event-log.js";
import { tempDir } from "./helpers.js";

const at = new Date("2026-04-28T10:00:00Z");

/**
 * A log line written by hand, as another version of Millrace might have written it: the writer
 * refuses undeclared event names, but readers must still read them.
 */
function rawLine(eventType: string, data: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ data, event_type: eventType, kind: "runtime_event", occurred_at: "2026-04-28T10:00:00+00:00", schema_version: "1.0" })}\n`;
}

describe("runtime event log", () => {
  it("writes one line per event with sorted keys and a +00:00 timestamp", () => {
    const file = path.join(tempDir(), "logs", "runtime_events.jsonl");
    // Not a real runtime_started payload: the writer checks payloads only in strict mode.
    appendRuntimeEvent(file, {
      event_type: "runtime_started",
      data: { z: 1, a: { y: 2, b: 3 } } as never,
      occurred_at: at,
    });
    appendRuntimeEvent(file, { event_type: "runtime_tick_idle", data: {}, occurred_at: at });
    expect(readFileSync(file, "utf8")).toBe(
      '{"data":{"a":{"b":3,"y":2},"z":1},"event_type":"runtime_started","kind":"runtime_event","occurred_at":"2026-04-28T10:00:00+00:00","schema_version":"1.0"}\n' +
        '{"data":{},"event_type":"runtime_tick_idle","kind":"runtime_event","occurred_at":"2026-04-28T10:00:00+00:00","schema_version":"1.0"}\n',
    );
  });

  it("refuses a malformed event type without writing", () => {
    const file = path.join(tempDir(), "events.jsonl");
    expect(() => appendRuntimeEvent(file, { event_type: "Bad Type", data: {} } as never)).toThrow();
    expect(() => statSync(file)).toThrow();
  });

  it("tail returns the last n complete events, oldest first, and skips a torn last line", () => {
    const file = path.join(tempDir(), "events.jsonl");
    writeFileSync(file, Array.from({ length: 10 }, (_, i) => rawLine("tick", { i })).join(""));
    appendFileSync(file, '{"data":{"i":99},"event_ty'); // a writer killed mid-append
    const events = tailEvents(file, 3, { chunkSize: 17 });
    expect(events.map((e) => e.data.i)).toEqual([7, 8, 9]);
    expect(tailEvents(file, 100).map((e) => e.data.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("tail skips unparseable lines and handles a torn line longer than a chunk", () => {
    const file = path.join(tempDir(), "events.jsonl");
    writeFileSync(file, `${rawLine("a")}not json\n${rawLine("b")}${"x".repeat(500)}`);
    expect(tailEvents(file, 5, { chunkSize: 64 }).map((e) => e.event_type)).toEqual(["a", "b"]);
  });

  it("tail of a missing or empty file is empty", () => {
    const dir = tempDir();
    expect(tailEvents(path.join(dir, "none.jsonl"), 5)).toEqual([]);
    writeFileSync(path.join(dir, "empty.jsonl"), "");
    expect(tailEvents(path.join(dir, "empty.jsonl"), 5)).toEqual([]);
  });

  it("tail reads only chunks from the end of a large file, never the whole file", () => {
    const file = path.join(tempDir(), "events.jsonl");
    const line = formatRuntimeEventLine({
      event_type: "stage_completed",
      data: { pad: "p".repeat(200) } as never,
      occurred_at: at,
    });
    const count = 40_000; // ~10 MB
    writeFileSync(file, line.repeat(count));
    const size = statSync(file).size;
    let bytesRead = 0;
    let reads = 0;
    const events = tailEvents(file, 10, {
      chunkSize: 4096,
      onRead: (bytes) => {
        bytesRead += bytes;
        reads++;
      },
    });
    expect(events).toHaveLength(10);
    expect(bytesRead).toBeLessThanOrEqual(4096 * 2);
    expect(bytesRead).toBeLessThan(size / 1000);
    expect(reads).toBeLessThanOrEqual(2);
  });

  it("readEventsFrom returns complete events after an offset and where to continue", () => {
    const file = path.join(tempDir(), "events.jsonl");
    writeFileSync(file, rawLine("one"));
    const first = readEventsFrom(file, 0);
    expect(first.events.map((e) => e.event_type)).toEqual(["one"]);
    expect(first.nextOffset).toBe(statSync(file).size);
    appendFileSync(file, rawLine("two"));
    appendFileSync(file, '{"partial":');
    const second = readEventsFrom(file, first.nextOffset, { chunkSize: 8 });
    expect(second.events.map((e) => e.event_type)).toEqual(["two"]);
    expect(second.nextOffset).toBe(statSync(file).size - '{"partial":'.length);
    expect(readEventsFrom(path.join(tempDir(), "none"), 5)).toEqual({ events: [], nextOffset: 5 });
  });
});
