import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { type ClosureTargetState, formatTimestamp, MillraceError } from "@millrace/contracts";
import { toWorkspaceRelative } from "@millrace/workspace";
import { loadTarget, saveTarget } from "../state/closure-targets.js";
import { type EngineContext, recordEvent } from "../state/context.js";
import { executionRanSince } from "../state/execution-history.js";
import { withActiveRun } from "../state/state-store.js";
import { enqueueIncidentOnce, hex8, type IncidentDocumentInput } from "./incidents.js";
import type { RouterDecision } from "./router.js";
import { endRun, IDLE, marker, setPlaneMarker } from "./run-end.js";
import type { StageCompletion } from "./stage-completion.js";

/**
 * Applies an Arbiter decision to its closure target: the verdict and report are recorded on the
 * target; IDLE closes the lineage; a handoff opens a remediation incident, unless nothing executed
 * since the previous Arbiter run (then the same gap would loop, so the run is blocked instead).
 */
export function applyClosureDecision(
  ctx: EngineContext,
  completion: StageCompletion,
  decision: RouterDecision,
): void {
  const { run, request, envelope } = completion;
  const rootSpecId = run.closure_target_root_spec_id as string;
  const target = loadTarget(ctx.paths, rootSpecId);
  if (!target)
    throw new MillraceError(
      "closure_target_conflict",
      `closure target ${rootSpecId} disappeared during its Arbiter run`,
    );
  const previousArbiterRun = target.last_arbiter_run_id ?? null;
  ctx.closureHolds.set(rootSpecId, run.run_id);
  const updated = {
    ...target,
    closure_blocked_by_lineage_work: false,
    blocking_work_ids: [],
    last_arbiter_run_id: run.run_id,
  };
  if (request.preferred_verdict_path && existsSync(request.preferred_verdict_path)) {
    updated.latest_verdict_path = toWorkspaceRelative(ctx.paths, request.preferred_verdict_path);
  }
  const report = envelope.report_artifact ?? request.preferred_report_path;
  if (report && existsSync(report)) {
    mkdirSync(ctx.paths.arbiterReports, { recursive: true });
    const copy = path.join(ctx.paths.arbiterReports, `${run.run_id}.md`);
    copyFileSync(report, copy);
    updated.latest_report_path = toWorkspaceRelative(ctx.paths, copy);
  }
  if (decision.action === "idle") {
    saveTarget(ctx.paths, { ...updated, closure_open: false, closed_at: formatTimestamp(ctx.clock()) });
    recordEvent(ctx, "closure_target_closed", { root_spec_id: rootSpecId, run_id: run.run_id });
    ctx.snapshot = withActiveRun(ctx.snapshot, "planning", undefined);
    ctx.snapshot = { ...ctx.snapshot, current_failure_class: null };
    setPlaneMarker(ctx, "planning", IDLE, "router", run.run_id);
    setPlaneMarker(ctx, "execution", IDLE, "router", null);
    return;
  }
  if (decision.action === "handoff") {
    if (previousArbiterRun && !executionRanSince(ctx, previousArbiterRun)) {
      saveTarget(ctx.paths, updated);
      recordEvent(ctx, "closure_repeated_remediation_blocked", {
        root_spec_id: rootSpecId,
        run_id: run.run_id,
        previous_run_id: previousArbiterRun,
      });
      endRun(ctx, "planning", run, marker("BLOCKED"), "closure_repeated_remediation_without_execution");
      return;
    }
    saveTarget(ctx.paths, updated);
    enqueueIncidentOnce(ctx, arbiterGapIncident(ctx, completion, decision, target), run.run_id);
    endRun(ctx, "planning", run, marker(decision.statusToken), "arbiter_parity_gap");
    return;
  }
  saveTarget(ctx.paths, updated);
  endRun(ctx, "planning", run, marker(decision.statusToken), decision.failureClass);
}

/** The remediation incident an Arbiter handoff opens for its root spec. */
function arbiterGapIncident(
  ctx: EngineContext,
  completion: StageCompletion,
  decision: RouterDecision,
  target: ClosureTargetState,
): IncidentDocumentInput {
  const { run, request, envelope } = completion;
  const rootSpecId = target.root_spec_id;
  return {
    kind: "incident",
    incident_id: `arbiter-gap-${rootSpecId}-${hex8(request.request_id)}`,
    title: `Arbiter remediation for ${rootSpecId}`,
    summary: `The Arbiter found gaps between ${rootSpecId} and its seed idea; remediation planning required.`,
    root_idea_id: target.root_idea_id,
    root_spec_id: rootSpecId,
    source_spec_id: rootSpecId,
    source_stage: "arbiter",
    source_plane: "planning",
    failure_class: "arbiter_parity_gap",
    severity: "high",
    needs_planning: true,
    trigger_reason: decision.reason,
    consultant_decision: "needs_planning",
    observed_symptoms: envelope.notes.filter((note) => note.trim() !== ""),
    evidence_paths: [
      ...envelope.artifact_paths,
      ...[
        request.preferred_rubric_path,
        request.preferred_verdict_path,
        request.preferred_report_path,
      ].filter((file): file is string => Boolean(file && existsSync(file))),
    ],
    related_run_ids: [run.run_id],
    related_stage_results: [toWorkspaceRelative(ctx.paths, completion.stageResultPath)],
    opened_at: formatTimestamp(ctx.clock()),
    opened_by: "runtime",
  } as IncidentDocumentInput;
}
