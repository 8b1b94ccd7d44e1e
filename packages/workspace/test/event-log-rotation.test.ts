import { spawn, spawnSync } from "node:child_process";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { RuntimeEvent } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import {
  appendRuntimeEvent,
  appendRuntimeEvents,
  type EventCursor,
  eventLogEnd,
  eventLogStart,
  formatEventCursor,
  listEventCursorPins,
  parseEventCursor,
  pinEventCursor,
  readEventsFrom,
  releaseEventCursor,
  rotateEventLog,
  tailEvents,
} from "../src/index.js";
import { distEntry, tempDir } from "./helpers.js";

const at = new Date("2026-04-28T10:00:00Z");
// Four event lines (about 138 bytes each) per segment.
const tiny = { maxBytes: 500, keepSegments: 2 };

function logFile(): string {
  return path.join(tempDir(), "logs", "runtime_events.jsonl");
}

/** `runtime_tick_idle` has no data fields; the tests number each event to tell them apart in the log. */
function numbered(i: number): Record<string, never> {
  return { i } as unknown as Record<string, never>;
}

function append(file: string, from: number, to: number, rotation = tiny): void {
  for (let i = from; i < to; i++)
    appendRuntimeEvent(
      file,
      { event_type: "runtime_tick_idle", data: numbered(i), occurred_at: at },
      { rotation },
    );
}

function logNames(file: string): string[] {
  return readdirSync(path.dirname(file))
    .filter((name) => name.endsWith(".jsonl"))
    .sort();
}

/** Follows the log to its end, the way a dashboard stream would. */
function drain(
  file: string,
  from: EventCursor,
  pin?: string,
): { events: RuntimeEvent[]; cursor: EventCursor; gap: boolean } {
  const events: RuntimeEvent[] = [];
  let cursor = from;
  let gap = false;
  for (;;) {
    const read = readEventsFrom(file, cursor, { graceMs: 0, limit: 3 });
    events.push(...read.events);
    gap ||= read.gap;
    cursor = read.cursor;
    if (pin) pinEventCursor(file, pin, cursor);
    if (read.events.length === 0) return { events, cursor, gap };
  }
}

const indices = (events: RuntimeEvent[]) => events.map((event) => event.data.i as number);

describe("event log rotation", () => {
  it("rotates the live file into numbered segments past maxBytes and keeps the newest keepSegments", () => {
    const file = logFile();
    append(file, 0, 40);
    expect(logNames(file)).toEqual(expect.arrayContaining(["runtime_events.jsonl"]));
    const rotated = logNames(file).filter((name) => name !== "runtime_events.jsonl");
    expect(rotated).toHaveLength(2);
    for (const name of rotated) {
      expect(name).toMatch(/^runtime_events\.[1-9][0-9]*\.jsonl$/);
      expect(statSync(path.join(path.dirname(file), name)).size).toBeGreaterThanOrEqual(tiny.maxBytes);
    }
    // What is left is the newest events, contiguous and in order, across segments.
    const kept = indices(tailEvents(file, 1000));
    expect(kept.at(-1)).toBe(39);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => 40 - kept.length + k));
    expect(indices(tailEvents(file, 5))).toEqual([35, 36, 37, 38, 39]);
    expect(statSync(file).size).toBeLessThan(tiny.maxBytes + 200);
  });

  it("never rotates with rotation: false, and the default limit leaves small logs alone", () => {
    const file = logFile();
    append(file, 0, 30, false as never);
    appendRuntimeEvents(file, [{ event_type: "runtime_tick_idle", data: numbered(30), occurred_at: at }]);
    expect(logNames(file)).toEqual(["runtime_events.jsonl"]);
    expect(rotateEventLog(file, { maxBytes: 10 ** 9, keepSegments: 1 })).toBeUndefined();
  });

  it("a cursor survives the rotation of the segment it points into and continues into the next", () => {
    const file = logFile();
    append(file, 0, 4);
    const first = readEventsFrom(file, eventLogStart(file), { graceMs: 0, limit: 2 });
    expect(indices(first.events)).toEqual([0, 1]);
    expect(first.cursor.segment).toBe(1);
    append(file, 4, 12); // rotates segment 1 away under the reader
    expect(logNames(file)).toContain("runtime_events.1.jsonl");
    const rest = drain(file, first.cursor);
    expect(indices(rest.events)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(rest.gap).toBe(false);
    expect(rest.cursor).toEqual(eventLogEnd(file));
  });

  it("a pinned reader loses nothing, however far behind it falls; released, the old segments go", () => {
    const file = logFile();
    const start = eventLogStart(file);
    pinEventCursor(file, "dashboard", start);
    append(file, 0, 60, { maxBytes: 400, keepSegments: 1 });
    expect(logNames(file).length).toBeGreaterThan(4);
    const seen = drain(file, start, "dashboard");
    expect(indices(seen.events)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(seen.gap).toBe(false);
    expect(listEventCursorPins(file).get("dashboard")).toEqual(seen.cursor);
    // Caught up: everything before the pinned segment is pruned at the next rotation; the pinned
    // segment and those after it stay until the reader moves on.
    append(file, 60, 70, { maxBytes: 400, keepSegments: 1 });
    const numbers = () =>
      logNames(file)
        .map((name) => /\.(\d+)\.jsonl$/.exec(name)?.[1])
        .filter((n) => n !== undefined)
        .map(Number);
    expect(Math.min(...numbers())).toBe(seen.cursor.segment);
    const after = drain(file, seen.cursor, "dashboard");
    expect(indices(after.events)).toEqual([60, 61, 62, 63, 64, 65, 66, 67, 68, 69]);
    expect(releaseEventCursor(file, "dashboard")).toBe(true);
    expect(releaseEventCursor(file, "dashboard")).toBe(false);
    append(file, 70, 80, { maxBytes: 400, keepSegments: 1 });
    expect(numbers()).toHaveLength(1);
  });

  it("an unpinned reader that fell behind the kept segments is told about the gap and resumes at the oldest", () => {
    const file = logFile();
    const start = eventLogStart(file);
    append(file, 0, 60, { maxBytes: 400, keepSegments: 1 });
    const read = drain(file, start);
    expect(read.gap).toBe(true);
    expect(indices(read.events)[0]).toBeGreaterThan(0);
    expect(indices(read.events).at(-1)).toBe(59);
    // A cursor ahead of the log (the log was deleted and restarted) starts over, also with a gap.
    const ahead = readEventsFrom(file, { segment: 999, offset: 5 }, { graceMs: 0 });
    expect(ahead.gap).toBe(true);
    expect(indices(ahead.events)).toEqual(indices(read.events));
  });

  it("does not leave a segment rotated within the grace period (a late append may still land in it)", () => {
    const file = logFile();
    append(file, 0, 12);
    const rotatedAt = Date.now();
    const early = readEventsFrom(file, eventLogStart(file), { graceMs: 60_000, now: () => rotatedAt });
    const firstSegment = early.cursor.segment;
    expect(early.cursor.segment).toBeLessThan(eventLogEnd(file).segment);
    const late = readEventsFrom(file, early.cursor, { graceMs: 60_000, now: () => rotatedAt + 120_000 });
    expect(late.cursor.segment).toBeGreaterThan(firstSegment);
    expect(indices([...early.events, ...late.events]).length).toBeGreaterThan(0);
    const all = [...early.events, ...drain(file, early.cursor).events];
    expect(indices(all).at(-1)).toBe(11);
  });

  it("cursors print and parse as <segment>:<offset>; anything else is refused", () => {
    expect(formatEventCursor({ segment: 3, offset: 1024 })).toBe("3:1024");
    expect(parseEventCursor("3:1024")).toEqual({ segment: 3, offset: 1024 });
    for (const bad of ["", "0:1", "3", "3:-1", "a:b", "3:1:2", "99999999999999999:1"]) {
      expect(parseEventCursor(bad), bad).toBeUndefined();
    }
  });

  it("pins refuse unsafe reader names and bad cursors; an unreadable pin holds nothing back", () => {
    const file = logFile();
    append(file, 0, 1);
    expect(() => pinEventCursor(file, "../escape", { segment: 1, offset: 0 })).toThrow(/safe id/);
    expect(() => pinEventCursor(file, "ok", { segment: 0, offset: 0 })).toThrow(/not an event cursor/);
    pinEventCursor(file, "ok", { segment: 1, offset: 0 });
    writeFileSync(path.join(path.dirname(file), "runtime_events.cursors", "garbage.json"), "{");
    expect([...listEventCursorPins(file).keys()]).toEqual(["ok"]);
  });

  it("an abandoned rotation guard is cleared; a live one makes the append skip rotating, never fail", () => {
    const file = logFile();
    append(file, 0, 8, { maxBytes: 10 ** 9, keepSegments: 2 });
    const guard = `${file}.rotating`;
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    writeFileSync(guard, `${dead.stdout.toString()}\n`);
    append(file, 8, 9);
    expect(logNames(file)).toContain("runtime_events.1.jsonl");
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      append(file, 9, 20, { maxBytes: 400, keepSegments: 2 });
      writeFileSync(guard, `${holder.pid}\n`);
      const before = logNames(file);
      append(file, 20, 40);
      expect(logNames(file)).toEqual(before);
      expect(indices(tailEvents(file, 3))).toEqual([37, 38, 39]);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("four processes appending through rotations: every event is kept exactly once, in each writer's order", async () => {
    const file = logFile();
    const script = `
      const { appendRuntimeEvent } = await import(process.argv[1]);
      const [file, writer] = [process.argv[2], process.argv[3]];
      for (let i = 0; i < 150; i++) {
        appendRuntimeEvent(file, { event_type: "runtime_tick_idle", data: { writer, i } }, { rotation: { maxBytes: 2000, keepSegments: 1000 } });
      }
    `;
    const children = ["a", "b", "c", "d"].map(
      (writer) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(
            process.execPath,
            ["--input-type=module", "-e", script, distEntry, file, writer],
            {
              stdio: ["ignore", "ignore", "inherit"],
            },
          );
          child.on("close", resolve);
        }),
    );
    expect(await Promise.all(children)).toEqual([0, 0, 0, 0]);
    expect(logNames(file).length).toBeGreaterThan(10);
    const { events, gap } = drain(file, eventLogStart(file));
    expect(gap).toBe(false);
    expect(events).toHaveLength(600);
    for (const writer of ["a", "b", "c", "d"]) {
      const mine = events.filter((event) => event.data.writer === writer).map((event) => event.data.i);
      expect(mine).toEqual(Array.from({ length: 150 }, (_, i) => i));
    }
  }, 60_000);
});

describe("per-event positions", () => {
  it("name where each event ends, so a reader can resume after any one of them, across segments", () => {
    const file = logFile();
    for (let i = 0; i < 11; i++) {
      appendRuntimeEvent(
        file,
        { event_type: "runtime_tick_idle", data: {}, occurred_at: at },
        { rotation: { maxBytes: 500, keepSegments: 10 } },
      );
    }
    const all = readEventsFrom(file, eventLogStart(file), { graceMs: 0 });
    expect(all.events).toHaveLength(11);
    expect(all.positions).toHaveLength(11);
    expect(new Set(all.positions.map((p) => p.segment)).size).toBeGreaterThan(1);
    expect(all.positions.at(-1)).toEqual(all.cursor);
    all.positions.forEach((position, index) => {
      expect(readEventsFrom(file, position, { graceMs: 0 }).events).toHaveLength(10 - index);
    });
  });
});
