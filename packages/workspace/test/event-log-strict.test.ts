import { statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { appendRuntimeEvents, formatRuntimeEventLine, readEventsFrom, tailEvents } from "../src/event-log.js";
import { tempDir } from "./helpers.js";

const at = new Date("2026-04-28T10:00:00Z");
const strictBefore = process.env.MILLRACE_STRICT_EVENTS;

afterEach(() => {
  if (strictBefore === undefined) delete process.env.MILLRACE_STRICT_EVENTS;
  else process.env.MILLRACE_STRICT_EVENTS = strictBefore;
});

describe("the event log writer is strict, its readers are tolerant", () => {
  it("refuses an undeclared event name and writes nothing of the batch", () => {
    const file = path.join(tempDir(), "events.jsonl");
    expect(() =>
      appendRuntimeEvents(file, [
        { event_type: "runtime_tick_idle", data: {}, occurred_at: at },
        { event_type: "runtime_made_up", data: {}, occurred_at: at } as never,
      ]),
    ).toThrow(/runtime_made_up.*not declared/);
    expect(() => statSync(file)).toThrow();
  });

  it("in strict mode checks each payload against its declaration", () => {
    process.env.MILLRACE_STRICT_EVENTS = "1";
    const wrong = { event_type: "closure_target_closed", data: { root_spec_id: "spec-a" }, occurred_at: at };
    expect(() => formatRuntimeEventLine(wrong as never)).toThrow(/closure_target_closed.*run_id/);
    const extra = {
      event_type: "closure_target_closed",
      data: { root_spec_id: "spec-a", run_id: "run-1", surprise: true },
      occurred_at: at,
    };
    expect(() => formatRuntimeEventLine(extra as never)).toThrow(/closure_target_closed/);
    expect(
      formatRuntimeEventLine({
        event_type: "closure_target_closed",
        data: { root_spec_id: "spec-a", run_id: "run-1" },
        occurred_at: at,
      }),
    ).toBe(
      '{"data":{"root_spec_id":"spec-a","run_id":"run-1"},"event_type":"closure_target_closed","kind":"runtime_event","occurred_at":"2026-04-28T10:00:00+00:00","schema_version":"1.0"}\n',
    );
    delete process.env.MILLRACE_STRICT_EVENTS;
    expect(formatRuntimeEventLine(wrong as never)).toContain('"closure_target_closed"');
  });

  it("reads logs holding event names this version does not declare", () => {
    const file = path.join(tempDir(), "events.jsonl");
    const line = (eventType: string) =>
      `${JSON.stringify({ data: { n: 1 }, event_type: eventType, kind: "runtime_event", occurred_at: "2026-04-28T10:00:00+00:00", schema_version: "1.0" })}\n`;
    writeFileSync(
      file,
      line("event_from_an_older_version") + line("runtime_tick_idle") + line("event_from_a_newer_one"),
    );
    expect(tailEvents(file, 10).map((event) => event.event_type)).toEqual([
      "event_from_an_older_version",
      "runtime_tick_idle",
      "event_from_a_newer_one",
    ]);
    expect(readEventsFrom(file, 0).events.map((event) => event.event_type)).toHaveLength(3);
  });
});
