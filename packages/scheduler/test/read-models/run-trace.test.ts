import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { compilePlan } from "@millrace/compiler";
import { MillraceError, RunTraceGraphSchema, typedJson } from "@millrace/contracts";
import { loadConfig, workspacePaths } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { buildRunTrace, RUN_TRACE_FILE_NAME, runTrace } from "../../src/read-models/index.js";
import {
  activeRun,
  makeWorkspace,
  newRunId,
  scriptedRun,
  treeFingerprint,
  writeSnapshot,
} from "./fixtures.js";

const FIXED = () => new Date("2026-04-28T11:00:00Z");

function compiled(root: string): string {
  const result = compilePlan(root, loadConfig(root));
  expect(result.ok).toBe(true);
  return result.plan!.compiled_plan_id;
}

describe("runTrace (derived from stage results)", () => {
  it("a run that reached a success terminal state is complete, with plan edge kinds and the terminal edge", async () => {
    const root = makeWorkspace();
    const planId = compiled(root);
    const runId = await scriptedRun(
      root,
      [{ stage: "builder" }, { stage: "checker" }, { stage: "updater" }],
      {
        compiledPlanId: planId,
      },
    );
    const before = treeFingerprint(root);
    const trace = runTrace(root, runId, { clock: FIXED });
    expect(treeFingerprint(root)).toBe(before);
    expect(RunTraceGraphSchema.parse(trace)).toEqual(trace);
    expect(trace).toMatchObject({
      kind: "run_trace_graph",
      run_id: runId,
      run_dir: `millrace-agents/runs/${runId}`,
      compiled_plan_id: planId,
      status: "complete",
      work_item_kind: "task",
      work_item_id: "task-demo-001",
      generated_at: "2026-04-28T11:00:00Z",
    });
    expect(trace.nodes.map((node) => node.node_id)).toEqual(["builder", "checker", "updater"]);
    expect(trace.nodes[0]?.trace_node_id).toBe(trace.nodes[0]?.request_id);
    expect(
      trace.edges.map((edge) => [edge.outcome, edge.edge_kind, edge.target_node_id, edge.terminal_state_id]),
    ).toEqual([
      ["BUILDER_COMPLETE", "normal", "checker", null],
      ["CHECKER_PASS", "normal", "updater", null],
      ["UPDATE_COMPLETE", "terminal", null, "update_complete"],
    ]);
    expect(trace.edges[0]?.target_trace_node_id).toBe(trace.nodes[1]?.trace_node_id);
    expect(trace.notes[0]).toBe("run_trace.json is absent; this trace is derived from the stage results");
    const stageResult = trace.nodes[0]?.artifacts.find((artifact) => artifact.kind === "stage_result");
    expect(stageResult?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(stageResult?.size_bytes).toBeGreaterThan(0);
    expect(trace.nodes[0]?.artifacts.map((artifact) => artifact.kind)).toEqual(
      expect.arrayContaining(["stage_result", "prompt", "invocation", "completion", "stdout"]),
    );
    expect(trace.duration_seconds).toBeGreaterThan(0);
  });

  it("a consultant NEEDS_PLANNING ends in handoff; consultant BLOCKED ends blocked", async () => {
    const root = makeWorkspace();
    const planId = compiled(root);
    const handoff = await scriptedRun(
      root,
      [{ stage: "consultant", actions: [{ type: "marker", token: "NEEDS_PLANNING" }] }],
      { compiledPlanId: planId },
    );
    const blocked = await scriptedRun(
      root,
      [{ stage: "consultant", actions: [{ type: "marker", token: "BLOCKED" }] }],
      {
        compiledPlanId: planId,
      },
    );
    const handoffTrace = runTrace(root, handoff);
    expect(handoffTrace.status).toBe("handoff");
    expect(handoffTrace.edges[0]).toMatchObject({
      edge_kind: "handoff",
      terminal_state_id: "needs_planning",
    });
    expect(runTrace(root, blocked).status).toBe("blocked");
  });

  it("a run whose last stage routes on to a stage that never ran is incomplete, with a note", async () => {
    const root = makeWorkspace();
    const planId = compiled(root);
    const runId = await scriptedRun(root, [{ stage: "builder" }], { compiledPlanId: planId });
    const trace = runTrace(root, runId);
    expect(trace.status).toBe("incomplete");
    expect(trace.edges).toEqual([]);
    expect(trace.notes).toContain(
      "the last stage (builder BUILDER_COMPLETE) routes to checker, which has no stage result",
    );
  });

  it("a run listed in the snapshot's active runs is active, with no completion time", async () => {
    const root = makeWorkspace();
    const runId = await scriptedRun(root, [{ stage: "builder" }]);
    writeSnapshot(root, {
      process_running: true,
      active_runs_by_plane: { execution: activeRun("execution", "checker", runId) },
    });
    const trace = runTrace(root, runId);
    expect(trace.status).toBe("active");
    expect(trace.completed_at).toBeNull();
    expect(trace.duration_seconds).toBeNull();
  });

  it("without the run's plan, edges are of unknown kind and the result class decides", async () => {
    const root = makeWorkspace();
    const runId = await scriptedRun(root, [
      { stage: "builder" },
      { stage: "checker", actions: [{ type: "marker", token: "BLOCKED" }] },
    ]);
    const trace = runTrace(root, runId);
    expect(trace.edges.map((edge) => edge.edge_kind)).toEqual(["unknown"]);
    expect(trace.status).toBe("blocked");
    expect(trace.notes).toContain(
      "compiled plan plan-test is no longer the persisted plan; edge kinds and terminal states are not known",
    );
  });

  it("a broken stage result makes the trace malformed; an empty run folder is incomplete", async () => {
    const root = makeWorkspace();
    const paths = workspacePaths(root);
    const runId = await scriptedRun(root, [{ stage: "builder" }]);
    writeFileSync(path.join(paths.runs, runId, "stage_results", "request-broken.json"), "[1,");
    const trace = runTrace(root, runId);
    expect(trace.status).toBe("malformed");
    expect(trace.nodes).toHaveLength(1);
    expect(trace.notes.some((note) => note.includes("request-broken.json is not valid JSON"))).toBe(true);

    const empty = newRunId();
    mkdirSync(path.join(paths.runs, empty));
    const emptyTrace = runTrace(root, empty);
    expect(emptyTrace).toMatchObject({ status: "incomplete", nodes: [], edges: [], started_at: null });
    expect(emptyTrace.notes).toContain("the run folder holds no stage result");
  });
});

describe("runTrace (persisted run_trace.json)", () => {
  it("returns a valid run_trace.json as written; a malformed one falls back with a note", async () => {
    const root = makeWorkspace();
    const paths = workspacePaths(root);
    const runId = await scriptedRun(root, [{ stage: "builder" }]);
    const dir = path.join(paths.runs, runId);
    const persisted = buildRunTrace(dir, {
      active: false,
      status: "complete",
      clock: FIXED,
      decisions: [
        {
          request_id: "ignored-unknown-request",
          edge_kind: "normal",
        },
      ],
    });
    writeFileSync(path.join(dir, RUN_TRACE_FILE_NAME), typedJson(persisted));
    expect(runTrace(root, runId)).toEqual(persisted);

    writeFileSync(path.join(dir, RUN_TRACE_FILE_NAME), '{"kind":"run_trace_graph"}');
    const fallback = runTrace(root, runId);
    expect(fallback.status).toBe("incomplete");
    expect(fallback.notes[0]).toMatch(
      /^run_trace\.json is malformed \(.+\); this trace is derived from the stage results$/,
    );
    writeFileSync(path.join(dir, RUN_TRACE_FILE_NAME), "not json");
    expect(runTrace(root, runId).notes[0]).toBe(
      "run_trace.json is malformed (it is not valid JSON); this trace is derived from the stage results",
    );
  });

  it("buildRunTrace uses the engine's router decisions for the edges when given", async () => {
    const root = makeWorkspace();
    const runId = await scriptedRun(root, [{ stage: "builder" }]);
    const dir = path.join(workspacePaths(root).runs, runId);
    const requestId = buildRunTrace(dir).nodes[0]!.request_id;
    const trace = buildRunTrace(dir, {
      active: false,
      decisions: [
        {
          request_id: requestId,
          edge_kind: "terminal",
          terminal_state_id: "update_complete",
          decision_reason: "scripted",
          decided_at: "2026-04-28T10:05:00Z",
          spawned_work: [
            {
              kind: "task",
              item_id: "task-next",
              path: "millrace-agents/tasks/queue/task-next.md",
              reason: "follow-up",
              source_stage_node_id: "builder",
              source_terminal_result: "BUILDER_COMPLETE",
            },
          ],
        },
      ],
    });
    expect(trace.edges).toHaveLength(1);
    expect(trace.edges[0]).toMatchObject({
      terminal_state_id: "update_complete",
      decision_reason: "scripted",
      decided_at: "2026-04-28T10:05:00Z",
    });
    expect(trace.edges[0]?.spawned_work[0]?.item_id).toBe("task-next");
  });

  it("lists artifacts outside the workspace without reading them", async () => {
    const root = makeWorkspace();
    const runId = await scriptedRun(root, [{ stage: "builder" }]);
    const resultsDir = path.join(workspacePaths(root).runs, runId, "stage_results");
    const [name] = readdirSync(resultsDir);
    const file = path.join(resultsDir, name!);
    const envelope = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...envelope, artifact_paths: ["/etc/hostname"] }));
    const artifact = runTrace(root, runId).nodes[0]?.artifacts.find((entry) => entry.kind === "artifact");
    expect(artifact).toEqual({ path: "/etc/hostname", kind: "artifact", size_bytes: null, sha256: null });
  });

  it("validates the run id first", () => {
    const root = makeWorkspace();
    expect(() => runTrace(root, "../etc")).toThrow(MillraceError);
    try {
      runTrace(root, "run-missing");
    } catch (error) {
      expect((error as MillraceError).code).toBe("not_found");
    }
    expect.assertions(2);
  });
});
