import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BasicMonitorFormatter, controlWorkspace } from "../../src/index.js";
import { enqueueTask, testEngine } from "../fixtures.js";
import { governanceConfig, manualClock, usageReportingScripted } from "./governance-helpers.js";
import { eventsOfType, readSnapshot, scenarioWorkspace } from "./helpers.js";

function governanceState(ws: { paths: { usageGovernanceState: string } }) {
  return JSON.parse(readFileSync(ws.paths.usageGovernanceState, "utf8"));
}

function ledgerLines(ws: { paths: { usageGovernanceLedger: string } }) {
  return readFileSync(ws.paths.usageGovernanceLedger, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

describe("usage governance in the engine", () => {
  it("a rolling-5h rule pauses after the crossing stage and resumes at the computed time", async () => {
    const ws = scenarioWorkspace(
      { rules: [] },
      governanceConfig({ id: "five-hours", window: "rolling_5h", threshold: 1500 }),
    );
    enqueueTask(ws, "t1");
    const time = manualClock("2026-04-28T10:00:00Z");
    const lines: string[] = [];
    const formatter = new BasicMonitorFormatter();
    const { engine } = testEngine(ws, {
      clock: time.clock,
      runners: [usageReportingScripted(() => 1000)],
      monitor: (event) => lines.push(...formatter.format(event)),
    });
    try {
      expect((await engine.tick()).reason).toBe("stage_completed");
      expect(readSnapshot(ws).pause_sources).toEqual([]);
      time.advance(60_000);
      await engine.tick();
      // The second stage crossed 1500: the pause is taken after it, not during it.
      expect(readSnapshot(ws).pause_sources).toEqual(["usage_governance"]);
      expect(ledgerLines(ws)).toHaveLength(2);
      const state = governanceState(ws);
      expect(state.paused_by_governance).toBe(true);
      // The first entry (10:00:00) leaving brings the sum under 1500: 5 h later, plus 1 ms.
      expect(state.next_auto_resume_at).toBe("2026-04-28T15:00:00.001Z");
      time.advance(60_000);
      expect((await engine.tick()).reason).toBe("paused");
      expect(eventsOfType(ws, "stage_started")).toHaveLength(2);
      expect(eventsOfType(ws, "usage_governance_blocked")).toHaveLength(1);
      expect(lines.filter((line) => line.includes("governance pause"))).toEqual([
        expect.stringContaining(
          "governance pause source=runtime_token rule=five-hours window=rolling_5h observed=2000 threshold=1500 next_resume=2026-04-28T15:00:00.001Z",
        ),
      ]);
      time.set("2026-04-28T15:00:00.002Z");
      await engine.tick();
      // Resumed before the third stage; that stage (10:01 + 15:00 = 2000) crosses it again.
      expect(eventsOfType(ws, "stage_started")).toHaveLength(3);
      expect(eventsOfType(ws, "usage_governance_blocked")).toHaveLength(2);
      expect(governanceState(ws).next_auto_resume_at).toBe("2026-04-28T15:01:00.001Z");
      expect(eventsOfType(ws, "usage_governance_resumed").at(-1)?.data.cleared_rules).toEqual(["five-hours"]);
      expect(lines.some((line) => line.includes("governance resume cleared_rules=five-hours"))).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it("refuses an operator resume while governance blocks, and says why", async () => {
    const ws = scenarioWorkspace(
      { rules: [] },
      governanceConfig({ id: "tiny", window: "rolling_5h", threshold: 10 }),
    );
    enqueueTask(ws, "t1");
    const time = manualClock("2026-04-28T10:00:00Z");
    const { engine } = testEngine(ws, { clock: time.clock, runners: [usageReportingScripted()] });
    await engine.tick();
    await engine.close();
    const pause = controlWorkspace(ws.root, "pause");
    expect(pause.applied).toBe(true);
    const result = controlWorkspace(ws.root, "resume");
    expect(result.applied).toBe(false);
    expect(result.detail).toContain("still paused by usage governance: tiny (rolling_5h 1000 >= 10)");
    expect(result.detail).toContain("lifts by itself at 2026-04-28T15:00:00.001Z");
    expect(readSnapshot(ws).pause_sources).toEqual(["usage_governance"]);
  });

  it("per_run counts one run only", async () => {
    const ws = scenarioWorkspace(
      { rules: [] },
      governanceConfig({ id: "one-run", window: "per_run", threshold: 100_000 }),
    );
    for (const id of ["t1", "t2", "t3"]) enqueueTask(ws, id);
    const time = manualClock("2026-04-28T10:00:00Z");
    const { engine } = testEngine(ws, {
      clock: time.clock,
      runners: [usageReportingScripted((_stage, item) => (item === "t3" ? 60_000 : 40_000))],
    });
    try {
      for (let i = 0; i < 40; i += 1) {
        const outcome = await engine.tick();
        if (outcome.reason === "no_work" || outcome.reason === "paused") break;
      }
      const started = eventsOfType(ws, "stage_started").map((event) => event.data.work_item_id);
      // t1 and t2 each stay under 100,000 in their own run, though together they pass it.
      expect(started.filter((id) => id === "t1").length).toBeGreaterThanOrEqual(2);
      expect(started).toContain("t2");
      expect(readSnapshot(ws).pause_sources).toEqual(["usage_governance"]);
      // t3's run crossed it after two stages of 60,000.
      expect(started.filter((id) => id === "t3")).toHaveLength(2);
      expect(governanceState(ws).active_blockers[0]).toMatchObject({
        rule_id: "one-run",
        observed: 120_000,
        auto_resume_possible: false,
      });
    } finally {
      await engine.close();
    }
  });

  it("calendar_week rolls at local Monday 00:00", async () => {
    const ws = scenarioWorkspace(
      { rules: [] },
      governanceConfig(
        { id: "week", window: "calendar_week", threshold: 500 },
        'calendar_timezone = "America/New_York"',
      ),
    );
    enqueueTask(ws, "t1");
    // Sunday 23:00 in New York (EDT, UTC-4).
    const time = manualClock("2026-05-04T03:00:00Z");
    const { engine } = testEngine(ws, { clock: time.clock, runners: [usageReportingScripted()] });
    try {
      await engine.tick();
      expect(readSnapshot(ws).pause_sources).toEqual(["usage_governance"]);
      expect(governanceState(ws).next_auto_resume_at).toBe("2026-05-04T04:00:00Z");
      time.set("2026-05-04T03:59:59Z");
      expect((await engine.tick()).reason).toBe("paused");
      time.set("2026-05-04T04:00:00Z");
      await engine.tick();
      // The week rolled: resumed, one more stage ran, and it filled the new week (until next Monday).
      expect(eventsOfType(ws, "usage_governance_resumed")).toHaveLength(1);
      expect(eventsOfType(ws, "stage_started")).toHaveLength(2);
      expect(governanceState(ws).next_auto_resume_at).toBe("2026-05-11T04:00:00Z");
    } finally {
      await engine.close();
    }
  });

  it("back-fills results made while governance was off, and counts each once", async () => {
    const ws = scenarioWorkspace({ rules: [] });
    enqueueTask(ws, "t1");
    const time = manualClock("2026-04-28T10:00:00Z");
    let run = testEngine(ws, { clock: time.clock, runners: [usageReportingScripted()] });
    await run.engine.tick();
    await run.engine.tick();
    await run.engine.close();
    const config = readFileSync(ws.paths.configFile, "utf8");
    writeFileSync(
      ws.paths.configFile,
      config + governanceConfig({ id: "big", window: "rolling_5h", threshold: 1_000_000 }),
    );
    run = testEngine(ws, { clock: time.clock, runners: [usageReportingScripted()] });
    await run.engine.tick();
    await run.engine.close();
    run = testEngine(ws, { clock: time.clock, runners: [usageReportingScripted()] });
    await run.engine.start();
    await run.engine.close();
    const keys = ledgerLines(ws).map((entry) => entry.dedupe_key);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
  });

  it("an embedder's betweenStages hook still pauses beside the built-in governance", async () => {
    const ws = scenarioWorkspace(
      { rules: [] },
      governanceConfig({ id: "big", window: "rolling_5h", threshold: 1_000_000 }),
    );
    enqueueTask(ws, "t1");
    const { engine } = testEngine(ws, {
      runners: [usageReportingScripted()],
      hooks: {
        betweenStages: (info) =>
          info.boundary === "after_stage" ? { pause: true, reason: "mine" } : undefined,
      },
    });
    try {
      await engine.tick();
      expect(readSnapshot(ws).pause_sources).toEqual(["usage_governance"]);
      expect(eventsOfType(ws, "usage_governance_paused").at(-1)?.data.reason).toBe("mine");
    } finally {
      await engine.close();
    }
  });
});

describe("bad governance config", () => {
  const cases: Array<[string, string, string]> = [
    [
      "unknown zone",
      '[usage_governance]\ncalendar_timezone = "Mars/Olympus"',
      "usage_governance.calendar_timezone",
    ],
    [
      "zero threshold",
      '[usage_governance]\nenabled = true\n[[usage_governance.runtime_token_rules.rules]]\nrule_id = "r"\nwindow = "rolling_5h"\nthreshold = 0',
      "usage_governance.runtime_token_rules.rules.0.threshold",
    ],
    [
      "unknown window",
      '[usage_governance]\nenabled = true\n[[usage_governance.runtime_token_rules.rules]]\nrule_id = "r"\nwindow = "hourly"\nthreshold = 5',
      "usage_governance.runtime_token_rules.rules.0.window",
    ],
    ["unknown key", "[usage_governance]\nenable = true", "usage_governance"],
    [
      "negative budget",
      "[usage_governance.budgets.per_work_item]\ntotal_tokens = -1",
      "usage_governance.budgets.per_work_item.total_tokens",
    ],
  ];
  for (const [name, toml, key] of cases) {
    it(`refuses ${name}, naming ${key} and the fix`, async () => {
      const ws = scenarioWorkspace({ rules: [] }, `\n${toml}\n`);
      const { engine } = testEngine(ws);
      const error = await engine.start().then(
        () => undefined,
        (caught: unknown) => caught as { code: string; message: string; hint?: string },
      );
      await engine.close();
      expect(error?.code).toBe("config_invalid");
      expect(error?.message).toContain(key);
      expect(error?.hint ?? "").not.toBe("");
      expect(existsSync(ws.paths.usageGovernanceState)).toBe(false);
    });
  }
});

describe("quota-window scheduling", () => {
  it("holds a stage that would cross a rolling window about to make room, then starts it", async () => {
    const ws = scenarioWorkspace(
      { rules: [] },
      governanceConfig({ id: "five-hours", window: "rolling_5h", threshold: 1_000_000 }),
    );
    enqueueTask(ws, "t1");
    const time = manualClock("2026-04-28T10:00:00Z");
    let run = testEngine(ws, { clock: time.clock, runners: [usageReportingScripted()] });
    await run.engine.runDaemon({ untilIdle: true, maxTicks: 50 });
    await run.engine.close();
    const counted = ledgerLines(ws).length;
    const config = readFileSync(ws.paths.configFile, "utf8").replace(
      "threshold = 1000000",
      `threshold = ${counted * 1000 + 500}\n\n[usage_governance.quota_window_scheduling]\nenabled = true\nhorizon_minutes = 60`,
    );
    writeFileSync(ws.paths.configFile, config);
    enqueueTask(ws, "t2");
    time.set("2026-04-28T14:40:00Z");
    run = testEngine(ws, { clock: time.clock, runners: [usageReportingScripted()] });
    try {
      await run.engine.tick();
      await run.engine.tick();
      const t2Starts = () => eventsOfType(ws, "stage_started").filter((e) => e.data.work_item_id === "t2");
      expect(t2Starts()).toHaveLength(0);
      const deferred = eventsOfType(ws, "usage_governance_stage_deferred");
      expect(deferred).toHaveLength(1);
      expect(deferred[0]?.data).toMatchObject({ rule_id: "five-hours", until: "2026-04-28T15:00:00.001Z" });
      expect(readSnapshot(ws).pause_sources).toEqual([]);
      time.set("2026-04-28T15:00:01Z");
      await run.engine.tick();
      expect(t2Starts()).toHaveLength(1);
    } finally {
      await run.engine.close();
    }
  });
});

describe("config reload", () => {
  it("turning governance on is a next-tick change: back-filled, evaluated, and the plan is kept", async () => {
    const ws = scenarioWorkspace({ rules: [] });
    enqueueTask(ws, "t1");
    const time = manualClock("2026-04-28T10:00:00Z");
    const { engine } = testEngine(ws, { clock: time.clock, runners: [usageReportingScripted()] });
    try {
      await engine.tick();
      expect(existsSync(ws.paths.usageGovernanceLedger)).toBe(false);
      const planId = readSnapshot(ws).compiled_plan_id;
      writeFileSync(
        ws.paths.configFile,
        readFileSync(ws.paths.configFile, "utf8") +
          governanceConfig({ id: "tiny", window: "rolling_5h", threshold: 1500 }),
      );
      engine.requestReload();
      await engine.tick();
      const reloaded = eventsOfType(ws, "runtime_config_reloaded").at(-1);
      expect(reloaded?.data).toMatchObject({ plan_changed: false, recompiled: false });
      expect(readSnapshot(ws).compiled_plan_id).toBe(planId);
      // The first result was back-filled at the reload; the second crossed 1500.
      expect(ledgerLines(ws)).toHaveLength(2);
      expect(readSnapshot(ws).pause_sources).toEqual(["usage_governance"]);
    } finally {
      await engine.close();
    }
  });
});
