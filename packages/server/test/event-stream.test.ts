import { appendRuntimeEvent, eventLogStart, readEventsFrom, workspacePaths } from "@millrace/workspace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDashboard, startDashboardServer } from "../src/index.js";
import { workspaceWithRun } from "./fixtures.js";
import { openStream } from "./sse-client.js";

const { root } = workspaceWithRun();
const log = workspacePaths(root).runtimeEvents;
// Tiny segments, so a handful of events rotates the log several times.
const rotation = { maxBytes: 600, keepSegments: 100 };
let server: RunningDashboard;
let counter = 0;

function append(n: number): void {
  for (let i = 0; i < n; i++) {
    appendRuntimeEvent(log, { event_type: "runtime_tick_paused", data: { pause_sources: [] } }, { rotation });
    counter++;
  }
}

beforeAll(async () => {
  server = await startDashboardServer({ workspaces: [root], port: 0 });
});
afterAll(async () => {
  await server.close();
});

describe("the event stream", () => {
  it("starts with a ready message, then sends each new event with its cursor as id", async () => {
    const stream = await openStream(`${server.url}api/w/repo/events`);
    expect(stream.response.headers.get("Content-Type")).toContain("text/event-stream");
    const ready = await stream.next();
    expect(ready.event).toBe("ready");
    append(3);
    const { events } = await stream.events(3);
    expect(events.map((e) => e.id)).toEqual([...new Set(events.map((e) => e.id))]);
    for (const event of events) expect(event.id).toMatch(/^\d+:\d+$/);
    expect(JSON.parse(events[0]?.data ?? "{}").event_type).toBe("runtime_tick_paused");
    stream.close();
  });

  it("resumes after Last-Event-ID with no gap and no duplicate, across rotations", async () => {
    const all = await openStream(`${server.url}api/w/repo/events?from=start`);
    await all.next();
    append(4);
    const before = counter;
    const first = await all.events(before);
    all.close();
    const lastId = first.events.at(-1)?.id as string;
    append(25); // several rotations while disconnected
    const resumed = await openStream(`${server.url}api/w/repo/events`, { "Last-Event-ID": lastId });
    await resumed.next();
    const rest = await resumed.events(25);
    resumed.close();
    const received = [...first.events, ...rest.events].map((e) => e.data);
    const onDisk = readEventsFrom(log, eventLogStart(log), { graceMs: 0 }).events.map((e) =>
      JSON.stringify(e),
    );
    expect(received).toEqual(onDisk);
    const ids = [...first.events, ...rest.events].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("refuses a malformed cursor with a usage error", async () => {
    const response = await fetch(`${server.url}api/w/repo/events`, { headers: { "Last-Event-ID": "../x" } });
    expect(response.status).toBe(400);
    const bad = await fetch(`${server.url}api/w/repo/events?from=middle`);
    expect(bad.status).toBe(400);
  });
});
