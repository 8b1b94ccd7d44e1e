import { openQueueStore } from "@millrace/queue-store";
import { describe, expect, it } from "vitest";
import { enqueueTask, runUntilIdle, testEngine } from "../fixtures.js";
import {
  allMarkersIdle,
  completedStages,
  counterProbe,
  counterTotal,
  eventsOfType,
  locate,
  readCounters,
  readSnapshot,
  scenarioWorkspace,
  specDocument,
  statusMarker,
} from "./helpers.js";

const marker = (token: string) => ({ type: "marker" as const, token });

describe("scenario (b): FIX_NEEDED cycles and recovery budgets", () => {
  it("cycles fixer/doublechecker until max_fix_cycles, escalates to the troubleshooter, resumes at the builder and passes", async () => {
    const ws = scenarioWorkspace({
      rules: [
        { stage: "checker", attempt: 1, actions: [marker("FIX_NEEDED")] },
        { stage: "doublechecker", actions: [marker("FIX_NEEDED")] },
      ],
    });
    enqueueTask(ws, "task-fix");
    const probe = counterProbe(ws);
    const { engine } = testEngine(ws, { monitor: probe.listener });
    await engine.runDaemon({ untilIdle: true });
    await engine.close();

    expect(completedStages(ws)).toEqual([
      "builder:BUILDER_COMPLETE",
      "checker:FIX_NEEDED",
      "fixer:FIXER_COMPLETE",
      "doublechecker:FIX_NEEDED",
      "fixer:FIXER_COMPLETE",
      "doublechecker:FIX_NEEDED",
      "troubleshooter:TROUBLESHOOT_COMPLETE",
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);
    // Fix cycles are bounded by recovery.max_fix_cycles (default 2): two fixer passes, then escalation.
    expect(completedStages(ws).filter((stage) => stage.startsWith("fixer:"))).toHaveLength(2);

    // The escalation is a legal, policy-driven transition with the fix-cycle failure class.
    const decisions = eventsOfType(ws, "router_decision");
    const escalation = decisions.find((event) => event.data.next_stage === "troubleshooter");
    expect(escalation?.data).toMatchObject({
      action: "run_stage",
      failure_class: "fix_cycle_exhausted",
      policy_id: "execution.fix-needed.exhaustion",
    });
    // Honest budgets: no reconciliation fires after the escalation, and the run id never changes.
    expect(eventsOfType(ws, "runtime_reconciled")).toEqual([]);
    expect(new Set(eventsOfType(ws, "stage_completed").map((event) => event.data.run_id)).size).toBe(1);

    // Counters during the cycle: the fix-cycle count grows per traversal, then the troubleshooter entry counts.
    const fixCounts = probe.seen.map(
      (entry) => `${entry.stage}:${counterTotal(entry.counters, "task-fix", "fix_cycle_count")}`,
    );
    expect(fixCounts).toEqual([
      "builder:0",
      "checker:0",
      "fixer:1",
      "doublechecker:1",
      "fixer:2",
      "doublechecker:2",
      "troubleshooter:2",
      "builder:0",
      "checker:0",
      "updater:0",
    ]);
    const atTroubleshooter = probe.seen.find((entry) => entry.stage === "troubleshooter");
    expect(
      counterTotal(
        atTroubleshooter?.counters ?? { schema_version: "1.0", kind: "recovery_counters", entries: [] },
        "task-fix",
        "troubleshoot_attempt_count",
      ),
    ).toBe(1);
    expect(atTroubleshooter?.failureClass).toBe("fix_cycle_exhausted");

    // After success: the task is done, counters are cleared, the snapshot is idle.
    expect(locate(ws, "task-fix")).toEqual(["task/done"]);
    expect(readCounters(ws).entries).toEqual([]);
    const snapshot = readSnapshot(ws);
    expect(snapshot.active_runs_by_plane).toEqual({});
    expect([
      snapshot.fix_cycle_count,
      snapshot.troubleshoot_attempt_count,
      snapshot.consultant_invocations,
    ]).toEqual([0, 0, 0]);
    expect(snapshot.current_failure_class ?? null).toBeNull();
    expect(allMarkersIdle(ws)).toBe(true);
  });

  it("honours a larger recovery.max_fix_cycles", async () => {
    const ws = scenarioWorkspace(
      {
        rules: [
          { stage: "checker", attempt: 1, actions: [marker("FIX_NEEDED")] },
          { stage: "doublechecker", actions: [marker("FIX_NEEDED")] },
        ],
      },
      "\n[recovery]\nmax_fix_cycles = 3\n",
    );
    enqueueTask(ws, "task-fix3");
    const { engine } = testEngine(ws);
    await engine.runDaemon({ untilIdle: true });
    await engine.close();
    const stages = completedStages(ws);
    expect(stages.filter((stage) => stage.startsWith("fixer:"))).toHaveLength(3);
    expect(stages.filter((stage) => stage === "doublechecker:FIX_NEEDED")).toHaveLength(3);
    expect(stages.indexOf("troubleshooter:TROUBLESHOOT_COMPLETE")).toBe(
      stages.lastIndexOf("doublechecker:FIX_NEEDED") + 1,
    );
    expect(locate(ws, "task-fix3")).toEqual(["task/done"]);
    expect(readCounters(ws).entries).toEqual([]);
  });

  it("a second FIX_NEEDED after a successful troubleshoot starts a fresh fix budget", async () => {
    // Reference quirk (spec §11.16): fix_cycle_count was not reset by a successful troubleshoot, so
    // the next FIX_NEEDED escalated straight away. DESIGN decision 4: counters reset on a real recovery.
    const ws = scenarioWorkspace({
      rules: [
        { stage: "checker", attempt: 1, actions: [marker("FIX_NEEDED")] },
        { stage: "checker", attempt: 2, actions: [marker("FIX_NEEDED")] },
        { stage: "doublechecker", attempt: 1, actions: [marker("FIX_NEEDED")] },
        { stage: "doublechecker", attempt: 2, actions: [marker("FIX_NEEDED")] },
      ],
    });
    enqueueTask(ws, "task-again");
    const { engine } = testEngine(ws);
    await engine.runDaemon({ untilIdle: true });
    await engine.close();
    expect(completedStages(ws)).toEqual([
      "builder:BUILDER_COMPLETE",
      "checker:FIX_NEEDED",
      "fixer:FIXER_COMPLETE",
      "doublechecker:FIX_NEEDED",
      "fixer:FIXER_COMPLETE",
      "doublechecker:FIX_NEEDED",
      "troubleshooter:TROUBLESHOOT_COMPLETE",
      "builder:BUILDER_COMPLETE",
      "checker:FIX_NEEDED",
      "fixer:FIXER_COMPLETE",
      "doublechecker:DOUBLECHECK_PASS",
      "updater:UPDATE_COMPLETE",
    ]);
    expect(locate(ws, "task-again")).toEqual(["task/done"]);
  });

  it("a troubleshooter that keeps failing escalates to the consultant, which is capped, and the task ends blocked", async () => {
    const ws = scenarioWorkspace({
      rules: [
        { stage: "builder", actions: [marker("BLOCKED")] },
        { stage: "troubleshooter", actions: [marker("BLOCKED")] },
        { stage: "consultant", actions: [marker("CONSULT_COMPLETE")] },
      ],
    });
    enqueueTask(ws, "task-stuck");
    const probe = counterProbe(ws);
    const { report } = await runUntilIdle(ws, { monitor: probe.listener }, 200);
    expect(report.stopReason).toBe("idle");

    const stages = completedStages(ws);
    // Bounded: the consultant runs at most max_consultant_invocations times (default 2).
    expect(stages.filter((stage) => stage.startsWith("consultant:"))).toHaveLength(2);
    expect(stages.filter((stage) => stage.startsWith("troubleshooter:")).length).toBeLessThanOrEqual(4);
    expect(stages.at(-1)).toBe("consultant:CONSULT_COMPLETE");
    // builder BLOCKED → troubleshooter ×2 (budget 2) → consultant → resumes at the troubleshooter,
    // whose spent budget chains straight back to the consultant → consultant cap → blocked.
    expect(stages).toEqual([
      "builder:BLOCKED",
      "troubleshooter:BLOCKED",
      "troubleshooter:BLOCKED",
      "consultant:CONSULT_COMPLETE",
      "troubleshooter:BLOCKED",
      "consultant:CONSULT_COMPLETE",
    ]);
    const last = eventsOfType(ws, "router_decision").at(-1);
    expect(last?.data).toMatchObject({ action: "blocked", policy_id: "execution.consultant.exhaustion" });

    // Counters grew while recovering: the consultant saw its invocation counted.
    const consultants = probe.seen.filter((entry) => entry.stage === "consultant");
    expect(
      consultants.map((entry) => counterTotal(entry.counters, "task-stuck", "consultant_invocations")),
    ).toEqual([1, 2]);
    expect(
      counterTotal(consultants[0]?.counters ?? readCounters(ws), "task-stuck", "troubleshoot_attempt_count"),
    ).toBe(2);

    // Final state: blocked, counters dropped, marker stays BLOCKED on execution.
    expect(locate(ws, "task-stuck")).toEqual(["task/blocked"]);
    expect(readCounters(ws).entries).toEqual([]);
    const snapshot = readSnapshot(ws);
    expect(snapshot.active_runs_by_plane).toEqual({});
    expect(statusMarker(ws, "execution")).toBe("### BLOCKED");
    expect(snapshot.execution_status_marker).toBe("### BLOCKED");
    expect(eventsOfType(ws, "runtime_handoff_incident_enqueued")).toEqual([]);
  });

  it("planning: a blocked planner is repaired by the mechanic and resumes at the planner; counters clear on success", async () => {
    const ws = scenarioWorkspace({ rules: [{ stage: "planner", attempt: 1, actions: [marker("BLOCKED")] }] });
    const store = openQueueStore(ws.paths);
    store.enqueue(
      "spec",
      specDocument("spec-mech", { source_type: "manual", parent_spec_id: "spec-parent" }) as never,
    );
    store.close();
    const probe = counterProbe(ws);
    await runUntilIdle(ws, { monitor: probe.listener }, 100);
    expect(completedStages(ws)).toEqual([
      "planner:BLOCKED",
      "mechanic:MECHANIC_COMPLETE",
      "planner:PLANNER_COMPLETE",
      "manager:MANAGER_COMPLETE",
    ]);
    const mechanic = probe.seen.find((entry) => entry.stage === "mechanic");
    expect(mechanic?.failureClass).toBe("planner_blocked");
    expect(counterTotal(mechanic?.counters ?? readCounters(ws), "spec-mech", "mechanic_attempt_count")).toBe(
      1,
    );
    expect(locate(ws, "spec-mech")).toEqual(["spec/done"]);
    expect(readCounters(ws).entries).toEqual([]);
    expect(readSnapshot(ws).mechanic_attempt_count).toBe(0);
    expect(allMarkersIdle(ws)).toBe(true);
  });

  it("planning: a mechanic that keeps failing exhausts max_mechanic_attempts and the spec is blocked", async () => {
    const ws = scenarioWorkspace({
      rules: [
        { stage: "manager", actions: [marker("BLOCKED")] },
        { stage: "mechanic", actions: [marker("BLOCKED")] },
      ],
    });
    const store = openQueueStore(ws.paths);
    store.enqueue(
      "spec",
      specDocument("spec-stuck", { source_type: "manual", parent_spec_id: "spec-parent" }) as never,
    );
    store.close();
    await runUntilIdle(ws, {}, 100);
    expect(completedStages(ws)).toEqual([
      "planner:PLANNER_COMPLETE",
      "manager:BLOCKED",
      "mechanic:BLOCKED",
      "mechanic:BLOCKED",
    ]);
    expect(eventsOfType(ws, "router_decision").at(-1)?.data).toMatchObject({
      action: "blocked",
      policy_id: "planning.blocked.recovery",
    });
    expect(locate(ws, "spec-stuck")).toEqual(["spec/blocked"]);
    expect(statusMarker(ws, "planning")).toBe("### BLOCKED");
    expect(readCounters(ws).entries).toEqual([]);
  });
});
