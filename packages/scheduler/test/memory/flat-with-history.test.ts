import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gateMemorySize } from "../../src/governance/capability-gate.js";
import type { EngineGovernance } from "../../src/governance/engine-governance.js";
import { LINEAGE_MEMO_LIMIT } from "../../src/governance/lineage.js";
import { demoWorkspace, enqueueTask, testEngine } from "../fixtures.js";

/** Open descriptors of this process (Linux); undefined elsewhere. */
function openFds(): number | undefined {
  if (process.platform !== "linux") return undefined;
  return readdirSync("/proc/self/fd").length;
}

function enqueueMany(ws: ReturnType<typeof demoWorkspace>, from: number, to: number): void {
  for (let i = from; i < to; i += 1) enqueueTask(ws, `task-${String(i).padStart(4, "0")}`);
}

describe("a daemon's memory is flat with history (issue 19)", () => {
  it("what the engine remembers per run or item does not grow with completed tasks", async () => {
    const ws = demoWorkspace();
    const { engine } = testEngine(ws);
    try {
      await engine.start();
      enqueueMany(ws, 0, 5);
      expect((await engine.runDaemon({ untilIdle: true })).stopReason).toBe("idle");
      const ctx = engine.context;
      const lineage = () => (ctx.governance as EngineGovernance).lineageOf.memoSize();
      const first = { gate: gateMemorySize(ctx), ideas: ctx.ideasSeen.size, fds: openFds() };
      enqueueMany(ws, 5, 30);
      expect((await engine.runDaemon({ untilIdle: true })).stopReason).toBe("idle");
      expect(readdirSync(ws.paths.queues.task.done)).toHaveLength(30);
      // One gate outcome per plane, whatever the number of runs (the demo stages ask for grants).
      expect(first.gate).toBeGreaterThan(0);
      expect(gateMemorySize(ctx)).toBeLessThanOrEqual(3);
      expect(gateMemorySize(ctx)).toBe(first.gate);
      expect(ctx.ideasSeen.size).toBe(first.ideas);
      expect(lineage()).toBeGreaterThan(0);
      expect(lineage()).toBeLessThanOrEqual(LINEAGE_MEMO_LIMIT);
      // No descriptor is left open per run (watchers, logs, locks stay as they were).
      if (first.fds !== undefined) expect(openFds()).toBe(first.fds);
    } finally {
      await engine.close();
    }
  });
});
