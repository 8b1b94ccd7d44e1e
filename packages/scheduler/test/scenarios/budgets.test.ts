import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { controlWorkspace } from "../../src/index.js";
import { enqueueTask, runUntilIdle } from "../fixtures.js";
import { usageReportingScripted } from "./governance-helpers.js";
import { eventsOfType, idsIn, locate, readSnapshot, scenarioWorkspace } from "./helpers.js";

const BUDGET =
  "\n[usage_governance]\nenabled = true\n[usage_governance.budgets.per_work_item]\ntotal_tokens = 500\n";
const tokens = () => usageReportingScripted((_stage, item) => (item === "t1" ? 1000 : 10));

function parkedFile(ws: { paths: { state: string } }) {
  return path.join(ws.paths.state, "usage_governance_parked.json");
}

describe("budgets park work", () => {
  it("parks an item over its budget while a second item completes, and releases it with more budget", async () => {
    const ws = scenarioWorkspace({ rules: [] }, BUDGET);
    enqueueTask(ws, "t1", { created_at: "2026-04-28T09:00:00Z" });
    enqueueTask(ws, "t2");
    await runUntilIdle(ws, { runners: [tokens()] });
    expect(idsIn(ws, "task", "done")).toEqual(["t2"]);
    expect(locate(ws, "t1")).toEqual(["task/queue"]);
    const parked = eventsOfType(ws, "work_item_parked");
    expect(parked).toHaveLength(1);
    expect(parked[0]?.data.reason).toContain("work_item budget of t1: total_tokens 1000 >= 500");
    const record = JSON.parse(readFileSync(parkedFile(ws), "utf8")).items[0];
    expect(record).toMatchObject({
      work_item_id: "t1",
      released_at: null,
      resume: { run_id: parked[0]?.data.run_id },
    });
    expect(record.breaches[0]).toMatchObject({ scope: "work_item", limit: 500, spent: 1000 });
    // It survives a restart: a new engine does not claim it.
    await runUntilIdle(ws, { runners: [tokens()] });
    expect(locate(ws, "t1")).toEqual(["task/queue"]);
    expect(readSnapshot(ws).active_runs_by_plane.execution).toBeUndefined();

    // Not enough budget, or none: refused, nothing written.
    expect(() => controlWorkspace(ws.root, "release_work_item", { work_item_id: "t1" })).toThrow(
      /would still be over budget/,
    );
    expect(() =>
      controlWorkspace(ws.root, "release_work_item", { work_item_id: "t1", add_budget: 100 }),
    ).toThrow(/would still be over budget/);
    expect(existsSync(path.join(ws.paths.state, "usage_governance_budget_releases.jsonl"))).toBe(false);
    expect(() => controlWorkspace(ws.root, "release_work_item", { work_item_id: "t2" })).toThrow(
      /not parked/,
    );

    const released = controlWorkspace(
      ws.root,
      "release_work_item",
      { work_item_id: "t1", add_budget: 5000 },
      { issuer: "ana" },
    );
    expect(released).toMatchObject({ applied: true, mode: "direct" });
    const release = JSON.parse(
      readFileSync(path.join(ws.paths.state, "usage_governance_budget_releases.jsonl"), "utf8").trim(),
    );
    expect(release).toMatchObject({ scope: "work_item", key: "t1", amount: 5000, issuer: "ana" });
    await runUntilIdle(ws, { runners: [tokens()] });
    expect(idsIn(ws, "task", "done")).toEqual(["t1", "t2"]);
    // It continued its parked run at the stage it had not run yet.
    const t1Starts = eventsOfType(ws, "stage_started").filter((event) => event.data.work_item_id === "t1");
    expect(new Set(t1Starts.map((event) => event.data.run_id))).toEqual(new Set([parked[0]?.data.run_id]));
    expect(t1Starts[1]?.data.stage).not.toBe(t1Starts[0]?.data.stage);
    expect(eventsOfType(ws, "work_item_released")[0]?.data).toEqual({
      work_item_id: "t1",
      issuer: "ana",
      added_budget: 5000,
    });
    expect(JSON.parse(readFileSync(parkedFile(ws), "utf8")).items).toEqual([]);
  });

  it("releases through the mailbox when a daemon runs", async () => {
    const ws = scenarioWorkspace({ rules: [] }, BUDGET);
    enqueueTask(ws, "t1");
    await runUntilIdle(ws, { runners: [tokens()] });
    expect(locate(ws, "t1")).toEqual(["task/queue"]);
    const { testEngine } = await import("../fixtures.js");
    const { engine } = testEngine(ws, { runners: [tokens()] });
    await engine.start();
    try {
      const queued = controlWorkspace(ws.root, "release_work_item", { work_item_id: "t1", add_budget: 9000 });
      expect(queued.mode).toBe("mailbox");
      await engine.runDaemon({ untilIdle: true, maxTicks: 100 });
    } finally {
      await engine.close();
    }
    expect(idsIn(ws, "task", "done")).toEqual(["t1"]);
    expect(eventsOfType(ws, "work_item_released")).toHaveLength(1);
  });
});
