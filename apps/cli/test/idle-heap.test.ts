import vm from "node:vm";
import type { MonitorEvent } from "@millrace/scheduler";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IDLE_HEAP_REDUCE_DELAY_MS, idleHeapReducer, memoryReducingGc } from "../src/idle-heap.js";

const at = new Date("2026-05-01T00:00:00Z");
const idle: MonitorEvent = { type: "runtime_idle", at, reason: "no_work" };
const started: MonitorEvent = {
  type: "stage_started",
  at,
  plane: "execution",
  stage: "builder",
  nodeId: "builder",
  stageKindId: "builder",
  runId: "run-1",
  requestId: "request-1",
  workItemKind: "task",
  workItemId: "task-1",
  status: "### BUILDER_RUNNING",
};
const routed: MonitorEvent = {
  type: "router_decision",
  at,
  plane: "execution",
  runId: "run-1",
  action: "run_stage",
  nextStage: "checker",
  nextNodeId: "checker",
  reason: "builder_complete",
};

describe("the idle heap reducer", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("collects once, a while after the daemon goes idle", () => {
    const collect = vi.fn();
    const reducer = idleHeapReducer(collect);
    reducer.listener(idle);
    vi.advanceTimersByTime(IDLE_HEAP_REDUCE_DELAY_MS - 1);
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(1);
    // Staying idle (no new idle spell) never collects again.
    vi.advanceTimersByTime(IDLE_HEAP_REDUCE_DELAY_MS * 100);
    expect(collect).toHaveBeenCalledTimes(1);
    reducer.close();
  });

  it("never collects while work runs: a stage starting before the delay cancels it", () => {
    const collect = vi.fn();
    const reducer = idleHeapReducer(collect, 1_000);
    reducer.listener(idle);
    vi.advanceTimersByTime(500);
    reducer.listener(started);
    reducer.listener(routed);
    vi.advanceTimersByTime(10_000);
    expect(collect).not.toHaveBeenCalled();
    // The next idle spell collects once more.
    reducer.listener(idle);
    vi.advanceTimersByTime(1_000);
    expect(collect).toHaveBeenCalledTimes(1);
    reducer.close();
  });

  it("events other than idle do not arm it, and a repeated idle announcement does not re-arm it", () => {
    const collect = vi.fn();
    const reducer = idleHeapReducer(collect, 1_000);
    reducer.listener(routed);
    vi.advanceTimersByTime(5_000);
    expect(collect).not.toHaveBeenCalled();
    reducer.listener(idle);
    vi.advanceTimersByTime(600);
    reducer.listener(idle);
    vi.advanceTimersByTime(400);
    expect(collect).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5_000);
    expect(collect).toHaveBeenCalledTimes(1);
    reducer.close();
  });

  it("close cancels a pending collection and keeps nothing alive", () => {
    const collect = vi.fn();
    const reducer = idleHeapReducer(collect, 1_000);
    reducer.listener(idle);
    expect(vi.getTimerCount()).toBe(1);
    reducer.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5_000);
    expect(collect).not.toHaveBeenCalled();
  });
});

describe("the memory-reducing collection", () => {
  it("frees garbage, gives the emptied heap pages back and leaves no gc global behind", () => {
    let garbage: object[] | undefined = Array.from({ length: 400_000 }, (_, i) => ({ i, s: `item ${i}` }));
    const before = process.memoryUsage();
    expect(garbage.length).toBe(400_000);
    garbage = undefined;
    memoryReducingGc();
    const after = process.memoryUsage();
    expect(before.heapUsed - after.heapUsed).toBeGreaterThan(10 * 1024 * 1024);
    expect(before.heapTotal - after.heapTotal).toBeGreaterThan(10 * 1024 * 1024);
    memoryReducingGc();
    expect(vm.runInNewContext("typeof gc")).toBe("undefined");
  });
});
