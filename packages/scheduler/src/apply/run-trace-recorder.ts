import path from "node:path";
import { formatTimestamp, type RunTraceStatus, typedJson } from "@millrace/contracts";
import { runDir } from "@millrace/workspace";
import { buildRunTrace, RUN_TRACE_FILE_NAME, type RunTraceDecision } from "../read-models/index.js";
import { type EngineContext, recordEvent } from "../state/context.js";
import type { AppliedStage, StageCompletion } from "./stage-completion.js";

/**
 * Collects each run's routing decisions while it is active and writes its trace
 * (`runs/<id>/run_trace.json`) once the run has ended: the first commit after the run's last result
 * that does not defer traces builds it. A trace that cannot be built is logged, never fatal.
 */
export class RunTraceRecorder {
  private readonly runDecisions = new Map<string, RunTraceDecision[]>();

  record(ctx: EngineContext, completion: StageCompletion, applied: AppliedStage): void {
    const runId = completion.run.run_id;
    const decisions = this.runDecisions.get(runId) ?? [];
    if (applied.decision) {
      decisions.push({
        request_id: completion.request.request_id,
        edge_kind: applied.decision.action === "run_stage" ? "normal" : "terminal",
        target_node_id: applied.decision.nextNodeId,
        terminal_state_id: applied.decision.terminalStateId,
        decision_reason: applied.decision.reason,
        decided_at: formatTimestamp(ctx.clock()),
      });
    }
    this.runDecisions.set(runId, decisions);
    if (!applied.runEnded) return;
    this.runDecisions.delete(runId);
    const action = applied.decision?.action;
    const status = action === "idle" ? "complete" : action === "handoff" ? "handoff" : "blocked";
    // Built by a later commit (after the next stage's runner has started): reading and hashing the
    // run's artifacts is the costliest step of a run's last handoff. The result's journal record
    // keeps the marker, so a kill before the trace is written is recovered (journal-recovery.ts).
    const plan = ctx.plan;
    ctx.pendingTraces.push({
      marker: { run_id: runId, status, decisions: decisions.map((decision) => ({ ...decision })) },
      recorded: false,
      build: () => writeRunTrace(ctx, runId, { plan, decisions, status }),
    });
  }
}

/** Builds a finished run's trace into the step's files; a trace that cannot be built is logged. */
function writeRunTrace(
  ctx: EngineContext,
  runId: string,
  options: { plan: EngineContext["plan"]; decisions: RunTraceDecision[]; status: RunTraceStatus },
): void {
  try {
    const trace = buildRunTrace(runDir(ctx.paths, runId), {
      active: false,
      plan: options.plan,
      decisions: options.decisions,
      status: options.status,
      clock: ctx.clock,
    });
    // Written by the step's commit (through its journal record: no fsync of its own).
    ctx.pendingFiles.push({
      path: path.join(runDir(ctx.paths, runId), RUN_TRACE_FILE_NAME),
      text: typedJson(trace),
      written: false,
    });
  } catch (error) {
    recordEvent(ctx, "run_trace_failed", { run_id: runId, error: (error as Error).message });
  }
}
