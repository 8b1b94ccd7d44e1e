import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { MonitorEvent } from "../../src/index.js";
import { readStatus } from "../../src/index.js";
import { enqueueTask, testEngine } from "../fixtures.js";
import { completedStages, eventsOfType, locate, readSnapshot, scenarioWorkspace } from "./helpers.js";

const notices = (events: MonitorEvent[]) =>
  events.flatMap((event) => (event.type === "notice" ? [event.message] : []));

describe("a failed reload keeps the last known good plan, and every surface says so", () => {
  it("keeps dispatching on the running plan; status says last known good; the monitor says it once per failure", async () => {
    const ws = scenarioWorkspace({ rules: [] });
    enqueueTask(ws, "task-a");
    const good = readFileSync(ws.paths.configFile, "utf8");
    const { engine, events } = testEngine(ws);
    try {
      await engine.tick();
      const planId = readSnapshot(ws).compiled_plan_id;

      // A mode that does not exist: the compile fails, the running plan stays.
      writeFileSync(
        ws.paths.configFile,
        good.replace('default_mode = "demo"', 'default_mode = "no_such_mode"'),
      );
      engine.requestReload();
      await engine.tick();
      const snapshot = readSnapshot(ws);
      expect(snapshot.last_reload_outcome).toBe("failed_retained_previous_plan");
      expect(snapshot.compiled_plan_id).toBe(planId);
      const status = readStatus(ws.root);
      expect(status.compiled_plan_currentness.state).toBe("last_known_good");
      expect(status.compiled_plan_currentness.compiled_plan_id).toBe(planId);
      expect(status.compiled_plan_currentness.reload_error).toMatch(/no_such_mode/);

      // The same failure again is not announced again; a different one is.
      engine.requestReload();
      await engine.tick();
      writeFileSync(ws.paths.configFile, "[runtime\n");
      engine.requestReload();
      await engine.tick();
      expect(notices(events).filter((line) => line.startsWith("plan: last known good"))).toEqual([
        expect.stringMatching(/^plan: last known good \(reload failed: .*no_such_mode/),
        expect.stringMatching(/^plan: last known good \(reload failed: .*millrace\.toml/),
      ]);
      expect(eventsOfType(ws, "runtime_config_reload_failed")).toHaveLength(3);

      // The daemon kept working on the plan it had.
      expect(completedStages(ws)).toEqual([
        "builder:BUILDER_COMPLETE",
        "checker:CHECKER_PASS",
        "updater:UPDATE_COMPLETE",
      ]);
      expect(eventsOfType(ws, "stage_started").every((event) => event.data.node_id !== undefined)).toBe(true);
      expect(locate(ws, "task-a")).toEqual(["task/done"]);

      // A good config again: reloaded, and the monitor says the plan is no longer the last known good.
      writeFileSync(ws.paths.configFile, good);
      engine.requestReload();
      await engine.tick();
      expect(readSnapshot(ws).last_reload_outcome).toBe("applied");
      expect(readStatus(ws.root).compiled_plan_currentness.state).toBe("current");
      expect(notices(events).at(-1)).toMatch(
        /^plan: plan-demo-[0-9a-f]+ \(reloaded; no longer the last known good\)$/,
      );
    } finally {
      await engine.close();
    }
    // Once the daemon is gone, the files on disk are what counts again.
    expect(readStatus(ws.root).compiled_plan_currentness.state).toBe("current");
  });
});
