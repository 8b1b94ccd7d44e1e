import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { LearningRequestDocument } from "@millrace/contracts";
import { openQueueStore } from "@millrace/queue-store";
import { describe, expect, it } from "vitest";
import { type MonitorEvent, writeMailboxCommand } from "../../src/index.js";
import { enqueueTask, runUntilIdle, type TestWorkspace, testEngine } from "../fixtures.js";
import {
  allMarkersIdle,
  completedStages,
  eventsOfType,
  idsIn,
  locate,
  readCounters,
  readSnapshot,
  scenarioWorkspace,
} from "./helpers.js";

const MODE = "learning_scripted";

const STAGES = [
  "builder",
  "checker",
  "fixer",
  "doublechecker",
  "updater",
  "troubleshooter",
  "consultant",
  "merge",
  "recon",
  "planner",
  "manager",
  "mechanic",
  "auditor",
  "arbiter",
  "analyst",
  "professor",
  "curator",
  "librarian",
];

/** A workspace-local mode: the standard graphs plus learning, all on the scripted runner. */
function writeLearningMode(ws: TestWorkspace): void {
  const file = path.join(ws.paths.modes, `${MODE}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify(
      {
        schema_version: "1.0",
        kind: "mode",
        mode_id: MODE,
        description: "Standard execution and planning with the learning plane, every stage scripted (tests).",
        loop_ids_by_plane: {
          execution: "execution.standard",
          planning: "planning.standard",
          learning: "learning.standard",
        },
        stage_entrypoint_overrides: {},
        stage_skill_additions: {},
        stage_model_bindings: {},
        stage_runner_bindings: Object.fromEntries(STAGES.map((stage) => [stage, "scripted"])),
        stage_thinking_bindings: {},
        concurrency_policy: {
          mutually_exclusive_planes: [["execution", "planning"]],
          may_run_concurrently: [
            ["learning", "execution"],
            ["learning", "planning"],
          ],
        },
        learning_trigger_rules: [
          {
            rule_id: "checker-pass-to-analyst",
            source_plane: "execution",
            source_stage: "checker",
            on_terminal_results: ["CHECKER_PASS"],
            target_stage: "analyst",
            requested_action: "improve",
            preferred_output_paths: [],
          },
        ],
      },
      null,
      2,
    ),
  );
}

describe("scenario (f): a learning trigger runs a learning request beside execution", () => {
  it("starts the analyst while the updater is still running, and both planes finish", async () => {
    const ws = scenarioWorkspace({
      rules: [
        // The updater takes a while, so the learning stage overlaps with it.
        {
          stage: "updater",
          actions: [
            { type: "sleep", ms: 600 },
            { type: "marker", token: "UPDATE_COMPLETE" },
          ],
        },
        {
          stage: "analyst",
          actions: [
            { type: "sleep", ms: 50 },
            { type: "marker", token: "ANALYST_COMPLETE" },
          ],
        },
      ],
    });
    writeLearningMode(ws);
    enqueueTask(ws, "task-learn");
    const order: string[] = [];
    const { engine } = testEngine(ws, {
      mode: MODE,
      monitor: (event: MonitorEvent) => {
        if (event.type === "stage_started") order.push(`start ${event.plane}/${event.stage}`);
        if (event.type === "stage_completed") order.push(`done ${event.plane}/${event.stage}`);
      },
    });
    const report = await engine.runDaemon({ untilIdle: true, maxTicks: 200 });
    await engine.close();
    expect(report.stopReason).toBe("idle");

    // The learning stage started after the updater started and before it finished: the planes ran together.
    const updaterStart = order.indexOf("start execution/updater");
    const updaterDone = order.indexOf("done execution/updater");
    const analystStart = order.indexOf("start learning/analyst");
    expect(updaterStart).toBeGreaterThanOrEqual(0);
    expect(analystStart).toBeGreaterThan(updaterStart);
    expect(analystStart).toBeLessThan(updaterDone);

    expect(completedStages(ws, "execution")).toEqual([
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);
    expect(completedStages(ws, "learning")).toEqual([
      "analyst:ANALYST_COMPLETE",
      "professor:PROFESSOR_COMPLETE",
      "curator:CURATOR_COMPLETE",
    ]);

    // The trigger enqueued one learning request with the checker's provenance; it ended in done.
    const enqueued = eventsOfType(ws, "learning_request_enqueued");
    expect(enqueued).toHaveLength(1);
    const requestId = enqueued[0]?.data.learning_request_id as string;
    expect(requestId).toMatch(/^learn-[0-9a-f]{12}$/);
    expect(locate(ws, requestId)).toEqual(["learning_request/done"]);
    const store = openQueueStore(ws.paths);
    const request = store.readDocument(store.locate(requestId)) as LearningRequestDocument;
    store.close();
    expect(request.target_stage).toBe("analyst");
    expect(request.requested_action).toBe("improve");
    expect(request.trigger_metadata).toMatchObject({
      rule_id: "checker-pass-to-analyst",
      source_plane: "execution",
      source_stage: "checker",
      terminal_result: "CHECKER_PASS",
      work_item_kind: "task",
      work_item_id: "task-learn",
    });
    expect(request.source_refs).toContain("terminal:CHECKER_PASS");

    expect(locate(ws, "task-learn")).toEqual(["task/done"]);
    expect(idsIn(ws, "learning_request", "active")).toEqual([]);
    const snapshot = readSnapshot(ws);
    expect(snapshot.active_runs_by_plane).toEqual({});
    expect(snapshot.active_mode_id).toBe(MODE);
    expect(readCounters(ws).entries).toEqual([]);
    expect(allMarkersIdle(ws)).toBe(true);
  });

  it("never runs execution beside planning, even while learning runs beside either", async () => {
    const ws = scenarioWorkspace({
      rules: [
        {
          stage: "analyst",
          actions: [
            { type: "sleep", ms: 200 },
            { type: "marker", token: "ANALYST_NOOP" },
          ],
        },
      ],
    });
    writeLearningMode(ws);
    enqueueTask(ws, "task-a");
    enqueueTask(ws, "task-b");
    const store = openQueueStore(ws.paths);
    store.enqueue("spec", {
      kind: "spec",
      spec_id: "spec-side",
      title: "Side spec",
      summary: "Plan a side quest",
      source_type: "manual",
      parent_spec_id: "spec-parent",
      goals: ["g"],
      constraints: ["c"],
      acceptance: ["a"],
      references: ["none"],
      created_at: "2026-04-28T10:30:00Z",
      created_by: "test",
    } as never);
    store.close();
    const running = new Set<string>();
    const overlaps: string[] = [];
    const { engine } = testEngine(ws, {
      mode: MODE,
      monitor: (event: MonitorEvent) => {
        if (event.type === "stage_started") {
          running.add(event.plane);
          if (running.has("execution") && running.has("planning"))
            overlaps.push(`${event.plane}/${event.stage}`);
        }
        if (event.type === "stage_completed") running.delete(event.plane);
      },
    });
    await engine.runDaemon({ untilIdle: true, maxTicks: 300 });
    await engine.close();
    expect(overlaps).toEqual([]);
    expect(locate(ws, "task-a")).toEqual(["task/done"]);
    expect(locate(ws, "task-b")).toEqual(["task/done"]);
    expect(locate(ws, "spec-side")).toEqual(["spec/done"]);
    // Two CHECKER_PASS results, two learning requests, each ended by ANALYST_NOOP (no-op ⇒ done).
    expect(completedStages(ws, "learning")).toEqual(["analyst:ANALYST_NOOP", "analyst:ANALYST_NOOP"]);
    expect(idsIn(ws, "learning_request", "done")).toHaveLength(2);
    expect(allMarkersIdle(ws)).toBe(true);
  });

  it("retry_active needs a plane scope while two planes run; a learning-scoped retry restarts only the learning request", async () => {
    const ws = scenarioWorkspace({
      rules: [
        {
          stage: "updater",
          actions: [
            { type: "sleep", ms: 1500 },
            { type: "marker", token: "UPDATE_COMPLETE" },
          ],
        },
        {
          stage: "analyst",
          attempt: 1,
          actions: [
            { type: "sleep", ms: 200 },
            { type: "marker", token: "ANALYST_COMPLETE" },
          ],
        },
      ],
    });
    writeLearningMode(ws);
    enqueueTask(ws, "task-two-planes");
    let sent = false;
    const { engine } = testEngine(ws, {
      mode: MODE,
      monitor: (event: MonitorEvent) => {
        if (!sent && event.type === "stage_started" && event.stage === "analyst") {
          sent = true;
          const at = (ms: number) => new Date(Date.UTC(2026, 3, 28, 11, 0, 0, ms));
          writeMailboxCommand(ws.paths, "retry_active", {}, { issuer: "test", now: at(1) });
          writeMailboxCommand(
            ws.paths,
            "retry_active",
            { scope: "learning", reason: "retry learning only" },
            { issuer: "test", now: at(2) },
          );
        }
      },
    });
    await engine.runDaemon({ untilIdle: true, maxTicks: 300 });
    await engine.close();

    const applied = eventsOfType(ws, "mailbox_command_applied");
    expect(applied.map((event) => [event.data.command, event.data.applied])).toEqual([
      ["retry_active", false],
      ["retry_active", true],
    ]);
    expect(eventsOfType(ws, "retry_active_skipped").map((event) => event.data.reason)).toEqual([
      "multiple_active_planes",
    ]);
    expect(eventsOfType(ws, "retry_active_applied").map((event) => event.data.plane)).toEqual(["learning"]);
    // Execution was untouched; the learning request started over at the analyst and finished.
    expect(completedStages(ws, "execution")).toEqual([
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);
    const learning = completedStages(ws, "learning");
    expect(learning[0]).toBe("analyst:ANALYST_COMPLETE");
    expect(learning.slice(-3)).toEqual([
      "analyst:ANALYST_COMPLETE",
      "professor:PROFESSOR_COMPLETE",
      "curator:CURATOR_COMPLETE",
    ]);
    expect(locate(ws, "task-two-planes")).toEqual(["task/done"]);
    expect(idsIn(ws, "learning_request", "done")).toHaveLength(1);
    expect(allMarkersIdle(ws)).toBe(true);
  });

  it("the default (serial) demo mode never enqueues learning requests", async () => {
    const ws = scenarioWorkspace();
    enqueueTask(ws, "task-serial");
    const { engine } = testEngine(ws);
    await engine.runDaemon({ untilIdle: true });
    await engine.close();
    expect(eventsOfType(ws, "learning_request_enqueued")).toEqual([]);
    expect(idsIn(ws, "learning_request", "queue")).toEqual([]);
  });
});

describe("Curator skill-update promotions", () => {
  it("defer a skill update while execution runs and apply it at the next boundary without foreground work", async () => {
    const ws = scenarioWorkspace({
      rules: [
        {
          stage: "updater",
          actions: [
            { type: "sleep", ms: 1500 },
            { type: "marker", token: "UPDATE_COMPLETE" },
          ],
        },
        {
          stage: "curator",
          actions: [
            {
              type: "write_file",
              base: "run_dir",
              path: "skill_update.md",
              template: "Tighten the checker checklist.\n",
            },
            {
              type: "write_result_json",
              terminal_result: "CURATOR_COMPLETE",
              summary_artifact_paths: ["skill_update.md"],
            },
            { type: "marker", token: "CURATOR_COMPLETE" },
          ],
        },
      ],
    });
    writeLearningMode(ws);
    enqueueTask(ws, "task-promote");
    const { report } = await runUntilIdle(ws, { mode: MODE }, 200);
    expect(report.stopReason).toBe("idle");
    expect(eventsOfType(ws, "learning_curator_promotion_deferred")).toHaveLength(1);
    const applied = eventsOfType(ws, "learning_curator_promotion_applied");
    expect(applied).toHaveLength(1);
    expect(applied[0]?.data.deferred).toBe(true);
    const folder = path.join(ws.paths.updateCandidates, "applied");
    const [name] = readdirSync(folder);
    const record = JSON.parse(readFileSync(path.join(folder, name as string), "utf8"));
    expect(record).toMatchObject({ kind: "learning_update_candidate", status: "applied" });
    expect(record.artifact_paths[0]).toMatch(/skill_update\.md$/);
    expect(readdirSync(path.join(ws.paths.updateCandidates, "deferred"))).toEqual([]);
  });
});
