import v8 from "node:v8";
import vm from "node:vm";
import type { MonitorEvent } from "@millrace/scheduler";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  compactionChosen,
  IDLE_HEAP_REDUCE_DELAY_MS,
  idleHeapReducer,
  memoryReducingGc,
} from "../src/idle-heap.js";

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

/** Committed old-space pages (MiB) that hold no live object. */
function oldSpaceSlackMb(): number {
  const old = v8.getHeapSpaceStatistics().find((space) => space.space_name === "old_space");
  if (!old) throw new Error("no old_space in v8.getHeapSpaceStatistics()");
  return (old.space_size - old.space_used_size) / (1024 * 1024);
}

/** A full collection without the compaction flag, through the same `gc` extension the daemon uses. */
function plainFullGc(): void {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  v8.setFlagsFromString("--no-expose-gc");
  gc();
}

/**
 * Old-space pages each holding a few live objects among garbage: what a daemon's heap looks like
 * after a busy run. Returns the survivors (one object in 16), which the caller keeps alive.
 */
function sparseOldSpace(): object[] {
  let all: object[] | undefined = Array.from({ length: 400_000 }, (_, i) => ({ i, s: `item ${i}` }));
  plainFullGc(); // survives twice: now in the old space
  const kept = all.filter((_, i) => i % 16 === 0);
  all = undefined;
  return kept;
}

describe("the idle collection compacts", () => {
  it("moves live objects off sparse pages, which a plain full collection keeps, and does so for that call only", () => {
    const kept = sparseOldSpace();
    plainFullGc();
    const sparse = oldSpaceSlackMb();
    memoryReducingGc();
    const compacted = oldSpaceSlackMb();
    expect(sparse).toBeGreaterThan(10);
    expect(compacted).toBeLessThan(sparse / 4);
    // The flag was cleared after the call: a plain collection of a new sparse heap keeps its pages.
    const keptAgain = sparseOldSpace();
    plainFullGc();
    expect(oldSpaceSlackMb()).toBeGreaterThan(10);
    expect(kept.length + keptAgain.length).toBe(50_000);
  });

  it("an operator's own setting of the flag is left alone", () => {
    expect(compactionChosen(["--compact-on-every-full-gc"], "")).toBe(true);
    expect(compactionChosen([], "--max-old-space-size=512 --no-compact_on_every_full_gc")).toBe(true);
    expect(compactionChosen(["--expose-gc"], "--compact")).toBe(false);
    expect(compactionChosen([], "")).toBe(false);
  });
});
