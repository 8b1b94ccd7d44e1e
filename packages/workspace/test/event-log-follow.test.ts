import path from "node:path";
import type { RuntimeEvent } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { appendRuntimeEvent, appendRuntimeEvents } from "../src/event-log.js";
import { eventLogEnd } from "../src/event-log-cursor.js";
import { followRuntimeEvents } from "../src/event-log-follow.js";
import { tempDir } from "./helpers.js";

const idle = { event_type: "runtime_tick_idle" as const, data: {} };

describe("followRuntimeEvents", () => {
  it("delivers only events written after it started, across rotation, until aborted", async () => {
    const file = path.join(tempDir(), "logs", "runtime_events.jsonl");
    appendRuntimeEvent(file, { event_type: "runtime_paused_by_operator", data: { issuer: "old" } });
    const seen: RuntimeEvent[] = [];
    const controller = new AbortController();
    const following = followRuntimeEvents(file, {
      signal: controller.signal,
      onEvents: (events) => {
        seen.push(...events);
        if (seen.length >= 3) controller.abort();
      },
    });
    appendRuntimeEvent(file, { event_type: "runtime_paused_by_operator", data: { issuer: "one" } });
    // A rotation between two appends: the follower reads the rest of the old segment, then the new one.
    appendRuntimeEvents(file, [idle], { rotation: { maxBytes: 1, keepSegments: 5 } });
    appendRuntimeEvent(file, { event_type: "runtime_resumed_by_operator", data: { issuer: "two" } });
    const end = await following;
    expect(seen.map((event) => event.event_type)).toEqual([
      "runtime_paused_by_operator",
      "runtime_tick_idle",
      "runtime_resumed_by_operator",
    ]);
    expect(seen[0]?.data).toEqual({ issuer: "one" });
    expect(end).toEqual(eventLogEnd(file));
  });

  it("waits for a log that does not exist yet, and returns at once when already aborted", async () => {
    const file = path.join(tempDir(), "logs", "runtime_events.jsonl");
    const controller = new AbortController();
    const seen: string[] = [];
    const following = followRuntimeEvents(file, {
      signal: controller.signal,
      fallbackMs: 50,
      onEvents: (events) => {
        seen.push(...events.map((event) => event.event_type));
        controller.abort();
      },
    });
    appendRuntimeEvent(file, idle);
    await following;
    expect(seen).toEqual(["runtime_tick_idle"]);
    const stopped = new AbortController();
    stopped.abort();
    await followRuntimeEvents(file, { signal: stopped.signal, onEvents: () => expect.fail("no events") });
  });
});
