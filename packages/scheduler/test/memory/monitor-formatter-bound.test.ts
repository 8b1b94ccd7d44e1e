import { describe, expect, it } from "vitest";
import { BasicMonitorFormatter, MONITOR_RUN_MEMORY } from "../../src/monitor/basic-formatter.js";
import type { MonitorEvent } from "../../src/monitor/monitor-events.js";
import { BoundedMap } from "../../src/state/bounded-map.js";

function completed(runId: string, seconds: number): MonitorEvent {
  return {
    type: "stage_completed",
    at: new Date("2026-04-28T10:00:00Z"),
    plane: "execution",
    stage: "builder",
    nodeId: "builder",
    stageKindId: "builder",
    runId,
    requestId: `request-${runId}`,
    workItemKind: "task",
    workItemId: "task-1",
    terminalResult: "BUILDER_COMPLETE",
    status: "### BUILDER_COMPLETE",
    durationSeconds: seconds,
    tokenUsage: null,
    failureClass: null,
  };
}

const runId = (index: number) => `run-${index.toString(16).padStart(32, "0")}`;

describe("the basic monitor remembers recent runs only (issue 19: flat with history)", () => {
  it("keeps at most MONITOR_RUN_MEMORY runs however many it formatted", () => {
    const formatter = new BasicMonitorFormatter();
    for (let index = 0; index < MONITOR_RUN_MEMORY * 3; index += 1)
      formatter.format(completed(runId(index), 1));
    const memory = formatter as unknown as Record<
      "handles" | "runTotals" | "runLanes",
      BoundedMap<string, unknown>
    >;
    expect(memory.handles.size).toBe(MONITOR_RUN_MEMORY);
    expect(memory.runTotals.size).toBe(MONITOR_RUN_MEMORY);
    expect(memory.runLanes.size).toBeLessThanOrEqual(MONITOR_RUN_MEMORY);
  });

  it("still widens a handle that collides with a remembered run, and sums a run's stages", () => {
    const formatter = new BasicMonitorFormatter();
    const a = "run-abcdef01aaaaaaaaaaaaaaaaaaaaaaaa";
    const b = "run-abcdef01bbbbbbbbbbbbbbbbbbbbbbbb";
    expect(formatter.handle(a)).toBe("abcdef01");
    expect(formatter.handle(b)).toBe("abcdef01bbbb");
    formatter.format(completed(a, 2));
    expect(formatter.format(completed(a, 3))[1]).toContain("elapsed=5.0s");
  });
});

describe("BoundedMap", () => {
  it("drops the least recently used entry past its limit and lists values oldest first", () => {
    const map = new BoundedMap<string, number>(2);
    map.set("a", 1).set("b", 2);
    map.get("a");
    map.set("c", 3);
    expect(map.has("b")).toBe(false);
    expect([...map.values()]).toEqual([1, 3]);
    expect(() => new BoundedMap(0)).toThrow(/limit must be a whole number >= 1/);
  });
});
