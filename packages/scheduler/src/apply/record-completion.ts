import { toWorkspaceRelative } from "@millrace/workspace";
import { recordCompoundingAfterStage } from "../compounding-port/after-stage.js";
import { commit, type EngineContext, recordEvent } from "../state/context.js";
import { traced, traceStageApplied } from "../state/handoff-trace.js";
import { clearInflight } from "../state/inflight.js";
import { applyStageCompletion } from "./apply-stage.js";
import type { RunTraceRecorder } from "./run-trace-recorder.js";
import type { AppliedStage, StageCompletion } from "./stage-completion.js";

/**
 * Applies a finished stage and commits the step: the decision's effects, the run trace, the
 * `stage_completed` and `router_decision` events, the snapshot; then the crash journal is cleared
 * and the events are shown on the monitor. This is the one commit point of a stage result.
 */
export function applyAndCommit(
  ctx: EngineContext,
  traces: RunTraceRecorder,
  completion: StageCompletion,
): AppliedStage {
  traceStageApplied();
  const applied = traced("apply.route+moves", () => applyStageCompletion(ctx, completion));
  if (applied.decision) traced("apply.compounding", () => recordCompoundingAfterStage(ctx, completion));
  traced("apply.run-trace", () => traces.record(ctx, completion, applied));
  const { envelope, plane, run } = completion;
  ctx.snapshot = {
    ...ctx.snapshot,
    last_terminal_result: envelope.terminal_result,
    last_stage_result_path: toWorkspaceRelative(ctx.paths, completion.stageResultPath),
    queue_depths_by_plane: ctx.queue.depths(),
  };
  const failureClass = (envelope.metadata.failure_class as string | null) ?? null;
  recordEvent(ctx, "stage_completed", {
    request_id: completion.request.request_id,
    stage: run.stage,
    node_id: run.node_id,
    stage_kind_id: run.stage_kind_id,
    plane,
    run_id: run.run_id,
    work_item_kind: run.work_item_kind ?? null,
    work_item_id: run.work_item_id ?? null,
    terminal_result: envelope.terminal_result,
    result_class: envelope.result_class,
    failure_class: failureClass,
    duration_seconds: envelope.duration_seconds,
    token_usage: envelope.token_usage ?? null,
    troubleshoot_report_path: completion.request.preferred_troubleshoot_report_path ?? null,
    thinking_level: envelope.thinking_level ?? completion.request.thinking_level ?? null,
  });
  if (applied.decision) {
    recordEvent(
      ctx,
      "router_decision",
      {
        action: applied.decision.action,
        plane,
        run_id: run.run_id,
        next_stage: applied.decision.nextStage,
        next_node_id: applied.decision.nextNodeId,
        next_stage_kind_id: applied.decision.nextStageKindId,
        terminal_state_id: applied.decision.terminalStateId,
        reason: applied.decision.reason,
        failure_class: applied.decision.failureClass,
        policy_id: applied.decision.policyId,
      },
      { runtimeErrorCode: applied.runtimeErrorCode },
    );
  }
  // The stage result was written without fsync (by the runner's dispatch): the journal keeps it.
  ctx.pendingFiles.push({
    path: completion.stageResultPath,
    text: `${JSON.stringify(envelope, null, 2)}\n`,
    written: true,
  });
  traced("apply.commit", () =>
    // Durable before it is announced: observers see the result while the status file shows it.
    // The snapshot file waits for the commit that follows in the same cycle (ADR 0008 amendment).
    commit(ctx, {
      beforeAnnounce: () => clearInflight(ctx.paths, plane),
      deferSnapshot: true,
      deferTraces: true,
    }),
  );
  return applied;
}
