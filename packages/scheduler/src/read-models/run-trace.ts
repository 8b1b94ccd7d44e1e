import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { loadCompiledPlan } from "@millrace/compiler";
import {
  type CompiledRunPlan,
  type CompiledTransition,
  formatTimestamp,
  READ_MODEL_SCHEMA_VERSION,
  RUN_ARTIFACT_NAMES,
  type RunTraceArtifact,
  type RunTraceEdge,
  type RunTraceGraph,
  RunTraceGraphSchema,
  type RunTraceNode,
  type RunTraceStatus,
  type SpawnedWork,
} from "@millrace/contracts";
import { requireInitialized, workspacePaths } from "@millrace/workspace";
import { displayPath, isInside } from "./display-path.js";
import {
  failureClassOf,
  type LoadedRun,
  type LoadedStage,
  loadRun,
  metadataString,
  workspaceRootOfRunDir,
} from "./run-files.js";
import { resolveRunDir } from "./run-id.js";
import { readSnapshotForDisplay } from "./snapshot-read.js";

export const RUN_TRACE_FILE_NAME = "run_trace.json";

/** What the router decided after one stage, when the caller (the engine) knows it. */
export interface RunTraceDecision {
  /** The request id of the stage the decision follows. */
  readonly request_id: string;
  readonly edge_kind?: string;
  readonly target_node_id?: string | null;
  readonly terminal_state_id?: string | null;
  readonly decision_reason?: string | null;
  readonly decided_at?: string | null;
  readonly spawned_work?: readonly SpawnedWork[];
}

export interface BuildRunTraceOptions {
  readonly clock?: () => Date;
  /**
   * Whether the run is still in progress. Default: true when the workspace snapshot lists the run
   * among its active runs. The engine passes false when it persists the trace of a finished run.
   */
  readonly active?: boolean;
  /** The plan the run used; default: the persisted plan when its id matches the run's. */
  readonly plan?: CompiledRunPlan | null;
  /** Router decisions by request id (edges then carry them instead of what the plan suggests). */
  readonly decisions?: readonly RunTraceDecision[];
  /** Overrides the derived status (the engine knows how the run ended). */
  readonly status?: RunTraceStatus;
}

function sha256Of(file: string): { size: number; sha256: string } | undefined {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) return undefined;
    return { size: stat.size, sha256: createHash("sha256").update(readFileSync(file)).digest("hex") };
  } catch {
    return undefined;
  }
}

function nodeArtifacts(run: LoadedRun, stage: LoadedStage): RunTraceArtifact[] {
  const envelope = stage.envelope;
  const requestId = stage.requestId;
  const listed: Array<[string, string | null | undefined]> = [
    ["stage_result", stage.file],
    ["prompt", envelope.prompt_artifact],
    ["invocation", path.join(run.dir, RUN_ARTIFACT_NAMES.invocation(requestId))],
    ["completion", path.join(run.dir, RUN_ARTIFACT_NAMES.completion(requestId))],
    ["stdout", envelope.stdout_path],
    ["stderr", envelope.stderr_path],
    ["events", path.join(run.dir, RUN_ARTIFACT_NAMES.events(requestId))],
    ["report", envelope.report_artifact],
    ...envelope.artifact_paths.map((file): [string, string] => ["artifact", file]),
  ];
  const seen = new Set<string>();
  const out: RunTraceArtifact[] = [];
  for (const [kind, file] of listed) {
    if (!file) continue;
    const absolute = path.resolve(run.workspaceRoot, file);
    if (seen.has(absolute)) continue;
    seen.add(absolute);
    // Only files inside the workspace are read; a path pointing elsewhere is listed, not hashed.
    const facts = isInside(run.workspaceRoot, absolute) ? sha256Of(absolute) : undefined;
    if (!facts && (kind === "invocation" || kind === "completion" || kind === "events")) continue;
    out.push({
      path: displayPath(run.workspaceRoot, absolute),
      kind,
      size_bytes: facts?.size ?? null,
      sha256: facts?.sha256 ?? null,
    });
  }
  return out;
}

function traceNode(run: LoadedRun, stage: LoadedStage): RunTraceNode {
  const envelope = stage.envelope;
  const requestId = metadataString(envelope, "request_id") ?? stage.requestId;
  return {
    trace_node_id: requestId,
    run_id: envelope.run_id,
    request_id: requestId,
    plane: envelope.plane,
    stage: envelope.stage,
    node_id: envelope.node_id,
    stage_kind_id: envelope.stage_kind_id,
    request_kind: envelope.metadata.request_kind,
    work_item_kind: envelope.work_item_kind,
    work_item_id: envelope.work_item_id,
    closure_target_root_spec_id: envelope.metadata.closure_target_root_spec_id,
    terminal_result: envelope.terminal_result,
    result_class: envelope.result_class,
    failure_class: failureClassOf(envelope),
    runner_name: envelope.runner_name ?? null,
    model_name: envelope.model_name ?? null,
    thinking_level: envelope.thinking_level ?? metadataString(envelope, "thinking_level"),
    model_reasoning_effort: envelope.model_reasoning_effort ?? null,
    started_at: envelope.started_at,
    completed_at: envelope.completed_at,
    duration_seconds: envelope.duration_seconds,
    token_usage: envelope.token_usage ?? null,
    artifacts: nodeArtifacts(run, stage),
  };
}

function transitionsFrom(plan: CompiledRunPlan | null, node: RunTraceNode): CompiledTransition[] {
  const graph = plan?.graphs_by_plane[node.plane];
  if (!graph) return [];
  return graph.compiled_transitions
    .filter((edge) => edge.source_node_id === node.node_id && edge.outcome === node.terminal_result)
    .sort((a, b) => a.priority - b.priority);
}

function terminalClassOf(
  plan: CompiledRunPlan | null,
  node: RunTraceNode,
  terminalStateId: string,
): string | undefined {
  return plan?.graphs_by_plane[node.plane]?.terminal_states.find(
    (state) => state.terminal_state_id === terminalStateId,
  )?.terminal_class;
}

function isRunActive(workspaceRoot: string, runId: string, now: Date): boolean {
  const { snapshot } = readSnapshotForDisplay(workspacePaths(workspaceRoot), now);
  return Object.values(snapshot.active_runs_by_plane).some((run) => run?.run_id === runId);
}

function planFor(workspaceRoot: string, planId: string | null, notes: string[]): CompiledRunPlan | null {
  if (!planId) return null;
  let plan: CompiledRunPlan | undefined;
  try {
    plan = loadCompiledPlan(workspaceRoot);
  } catch {
    plan = undefined;
  }
  if (plan && plan.compiled_plan_id === planId) return plan;
  notes.push(
    `compiled plan ${planId} is no longer the persisted plan; edge kinds and terminal states are not known`,
  );
  return null;
}

/**
 * The edges between consecutive stage results, and the terminal edge of the last one (the class of
 * its terminal state, when known, decides the run's status).
 */
function traceEdges(
  nodes: RunTraceGraph["nodes"],
  plan: CompiledRunPlan | null,
  decisions: Map<string, RunTraceDecision>,
  notes: string[],
): { edges: RunTraceEdge[]; terminalClass: string | undefined } {
  const edges: RunTraceEdge[] = [];
  let terminalClass: string | undefined;
  nodes.forEach((node, index) => {
    const next = nodes[index + 1];
    const decision = decisions.get(node.request_id);
    const planned = transitionsFrom(plan, node);
    const base = {
      trace_edge_id: `${node.trace_node_id}:${node.terminal_result}`,
      source_trace_node_id: node.trace_node_id,
      outcome: node.terminal_result,
      spawned_work: [...(decision?.spawned_work ?? [])],
      decision_reason: decision?.decision_reason ?? null,
      decided_at: decision?.decided_at ?? node.completed_at,
    };
    if (next) {
      const match = planned.find((edge) => edge.target_node_id === next.node_id);
      edges.push({
        ...base,
        edge_kind: decision?.edge_kind ?? match?.kind ?? "unknown",
        target_node_id: decision?.target_node_id ?? next.node_id,
        target_trace_node_id: next.trace_node_id,
        terminal_state_id: decision?.terminal_state_id ?? null,
      });
      return;
    }
    const terminalStateId = decision
      ? (decision.terminal_state_id ?? null)
      : (planned[0]?.terminal_state_id ?? null);
    const targetNodeId = decision ? (decision.target_node_id ?? null) : (planned[0]?.target_node_id ?? null);
    if (terminalStateId) {
      terminalClass = terminalClassOf(plan, node, terminalStateId);
      edges.push({
        ...base,
        edge_kind: decision?.edge_kind ?? planned[0]?.kind ?? "terminal",
        target_node_id: null,
        target_trace_node_id: null,
        terminal_state_id: terminalStateId,
      });
    } else if (decision) {
      edges.push({
        ...base,
        edge_kind: decision.edge_kind ?? "unknown",
        target_node_id: targetNodeId,
        target_trace_node_id: null,
        terminal_state_id: null,
      });
    } else if (targetNodeId) {
      notes.push(
        `the last stage (${node.node_id} ${node.terminal_result}) routes to ${targetNodeId}, which has no stage result`,
      );
    }
  });
  return { edges, terminalClass };
}

function traceStatus(
  malformed: boolean,
  last: RunTraceGraph["nodes"][number] | undefined,
  active: boolean,
  terminalClass: string | undefined,
): RunTraceStatus {
  if (malformed) return "malformed";
  if (!last) return "incomplete";
  if (active) return "active";
  if (terminalClass !== undefined) {
    return terminalClass === "blocked"
      ? "blocked"
      : terminalClass === "escalate_planning"
        ? "handoff"
        : "complete";
  }
  if (last.result_class === "blocked") return "blocked";
  if (last.result_class === "escalate_planning") return "handoff";
  return "incomplete";
}

/**
 * Derives the RunTraceGraph of a run folder from its stage results: nodes are the stage results in
 * time order, edges the transitions between consecutive stages (with the outcome, the next node and,
 * when the run's compiled plan is at hand, the edge kind and the terminal state of the last stage).
 * Reads only; the engine writes the result to `run_trace.json` when a run ends.
 */
export function buildRunTrace(runDir: string, options: BuildRunTraceOptions = {}): RunTraceGraph {
  const clock = options.clock ?? (() => new Date());
  const now = clock();
  const workspaceRoot = workspaceRootOfRunDir(runDir);
  const run = loadRun(path.resolve(runDir), workspaceRoot);
  const notes: string[] = [];
  const nodes = run.stages.map((stage) => traceNode(run, stage));
  const first = run.stages[0]?.envelope;
  const planId = first?.metadata.compiled_plan_id ?? null;
  const plan = options.plan !== undefined ? options.plan : planFor(workspaceRoot, planId, notes);
  const decisions = new Map((options.decisions ?? []).map((decision) => [decision.request_id, decision]));

  const { edges, terminalClass } = traceEdges(nodes, plan, decisions, notes);

  const active = options.active ?? (nodes.length > 0 && isRunActive(workspaceRoot, run.runId, now));
  const last = nodes.at(-1);
  const status = options.status ?? traceStatus(run.problems.length > 0, last, active, terminalClass);
  for (const problem of run.problems) notes.push(problem.error);
  if (!last && run.problems.length === 0) notes.push("the run folder holds no stage result");

  const startedAt = first?.started_at ?? null;
  const completedAt = status === "active" ? null : (last?.completed_at ?? null);
  return {
    schema_version: READ_MODEL_SCHEMA_VERSION,
    kind: "run_trace_graph",
    run_id: run.runId,
    run_dir: displayPath(workspaceRoot, run.dir),
    compiled_plan_id: planId,
    mode_id: first?.metadata.mode_id ?? null,
    request_kind: first?.metadata.request_kind ?? null,
    work_item_kind: first?.work_item_kind ?? null,
    work_item_id: first?.work_item_id ?? null,
    closure_target_root_spec_id: first?.metadata.closure_target_root_spec_id ?? null,
    status,
    started_at: startedAt,
    completed_at: completedAt,
    duration_seconds:
      startedAt && completedAt ? Math.max(0, (Date.parse(completedAt) - Date.parse(startedAt)) / 1000) : null,
    nodes,
    edges,
    notes,
    generated_at: formatTimestamp(now),
  };
}

export interface RunTraceOptions {
  readonly clock?: () => Date;
}

/**
 * The trace of one run: `runs/<run_id>/run_trace.json` when it exists and parses, else a trace
 * derived from the stage results (with a note saying so).
 */
export function runTrace(workspaceRoot: string, runId: string, options: RunTraceOptions = {}): RunTraceGraph {
  const paths = requireInitialized(workspaceRoot);
  const dir = resolveRunDir(paths, runId);
  const file = path.join(dir, RUN_TRACE_FILE_NAME);
  let text: string | undefined;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    text = undefined;
  }
  let note = `${RUN_TRACE_FILE_NAME} is absent; this trace is derived from the stage results`;
  if (text !== undefined) {
    let raw: unknown;
    let problem: string | undefined;
    try {
      raw = JSON.parse(text);
    } catch {
      problem = "it is not valid JSON";
    }
    if (!problem) {
      const parsed = RunTraceGraphSchema.safeParse(raw);
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0];
      problem = `${issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "root"}: ${issue?.message}`;
    }
    note = `${RUN_TRACE_FILE_NAME} is malformed (${problem}); this trace is derived from the stage results`;
  }
  const derived = buildRunTrace(dir, options.clock ? { clock: options.clock } : {});
  return { ...derived, notes: [note, ...derived.notes] };
}
