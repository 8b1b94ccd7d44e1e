import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  type ActiveRunState,
  type CompiledNode,
  type CounterName,
  type DocumentKind,
  formatTimestamp,
  MillraceError,
  RUNTIME_ERROR_CODES,
  type RuntimeErrorCode,
  type RuntimeErrorContext,
  RuntimeErrorContextSchema,
} from "@millrace/contracts";
import { runDir, toWorkspaceRelative, writeFileAtomicSync, writeJsonAtomicSync } from "@millrace/workspace";
import { type EngineContext, recordEvent } from "../state/context.js";
import { graphOf } from "../state/planes.js";
import { incrementCounters, withActiveRun } from "../state/state-store.js";
import { normalizeFailureClass, type RouterDecision } from "./router.js";
import { blockItem, endRun, marker, setPlaneMarker } from "./run-end.js";
import type { AppliedStage, StageCompletion } from "./stage-completion.js";

/** Where a runtime error after a stage goes: the plane's repair node, unless the budget is spent. */
interface RepairPlan {
  code: RuntimeErrorCode;
  repairNode: CompiledNode | undefined;
  budget: number;
  exhausted: boolean;
  repairable: boolean;
}

function planRepair(
  ctx: EngineContext,
  completion: StageCompletion,
  decision: RouterDecision | null,
  err: Error,
): RepairPlan {
  const { plane, run } = completion;
  const declared = (err as MillraceError).details?.runtime_error_code as RuntimeErrorCode | undefined;
  const queueConflict =
    MillraceError.isInstance(err) && err.code.startsWith("queue_") && decision?.action === "idle";
  const code: RuntimeErrorCode =
    declared ??
    ((queueConflict
      ? `${plane}_work_item_completion_conflict`
      : `${plane}_post_stage_apply_failed`) as RuntimeErrorCode);
  const graph = graphOf(ctx.plan, plane);
  const repairNodeId =
    graph?.runtime_failure_recovery?.default_repair_node_id ??
    (plane === "execution" ? "troubleshooter" : plane === "planning" ? "mechanic" : null);
  const repairNode = repairNodeId ? graph?.nodes.find((node) => node.node_id === repairNodeId) : undefined;
  // Runtime-error repairs have their own budget (the graph's runtime_failure_recovery, default 2):
  // a failure the repair stage cannot remove must not loop forever.
  const budget = graph?.runtime_failure_recovery?.threshold ?? 2;
  const exhausted = repairsSoFar(ctx, run) >= budget;
  const repairable =
    Boolean(repairNode) &&
    !exhausted &&
    run.request_kind !== "closure_target" &&
    declared !== "recon_handoff_invalid";
  return { code, repairNode, budget, exhausted, repairable };
}

function repairsSoFar(ctx: EngineContext, run: ActiveRunState): number {
  if (!run.work_item_kind || !run.work_item_id) return 0;
  return ctx.counters.entries
    .filter(
      (entry) =>
        entry.work_item_kind === run.work_item_kind &&
        entry.work_item_id === run.work_item_id &&
        (RUNTIME_ERROR_CODES as readonly string[]).includes(entry.failure_class),
    )
    .reduce((sum, entry) => sum + entry.troubleshoot_attempt_count + entry.mechanic_attempt_count, 0);
}

function writeRuntimeErrorReport(
  reportPath: string,
  completion: StageCompletion,
  context: RuntimeErrorContext,
  plan: RepairPlan,
  err: Error,
): void {
  const { plane, run, envelope } = completion;
  writeFileAtomicSync(
    reportPath,
    [
      "# Runtime Error Report",
      "",
      `Error-Code: ${plan.code}`,
      `Plane: ${plane}`,
      `Failed-Stage: ${run.stage}`,
      `Repair-Stage: ${context.repair_stage}`,
      `Run-ID: ${run.run_id}`,
      `Work-Item: ${run.work_item_kind ?? "none"} ${run.work_item_id ?? ""}`.trimEnd(),
      `Router-Action: ${context.router_action ?? "none"}`,
      `Terminal-Result: ${envelope.terminal_result}`,
      `Stage-Result-Path: ${context.stage_result_path}`,
      `Exception-Type: ${context.exception_type}`,
      `Exception-Message: ${err.message.replace(/\s+/g, " ")}`,
      `Captured-At: ${context.captured_at}`,
      "",
      "Summary:",
      `- The stage finished with ${envelope.terminal_result}, then the runtime failed while applying the result.`,
      plan.repairable
        ? `- The ${context.repair_stage} stage is scheduled to repair the work item before it continues.`
        : plan.exhausted
          ? `- The runtime-error repair budget (${plan.budget}) is spent; the work item is blocked for an operator to inspect.`
          : "- The work item is blocked for an operator to inspect.",
      "",
    ].join("\n"),
  );
}

/** Moves the run to the repair node; the error context tells the repair stage what failed. */
function startRepairStage(
  ctx: EngineContext,
  completion: StageCompletion,
  context: RuntimeErrorContext,
  code: RuntimeErrorCode,
  repairNode: CompiledNode,
): void {
  const { plane, run } = completion;
  writeJsonAtomicSync(ctx.paths.runtimeErrorContext, context);
  const counter: CounterName = plane === "planning" ? "mechanic_attempt_count" : "troubleshoot_attempt_count";
  if (run.work_item_kind && run.work_item_id) {
    ctx.counters = incrementCounters(
      ctx.counters,
      run.work_item_kind,
      run.work_item_id,
      code,
      [counter],
      ctx.clock(),
    );
  }
  ctx.snapshot = withActiveRun(ctx.snapshot, plane, {
    ...run,
    stage: repairNode.stage,
    node_id: repairNode.node_id,
    stage_kind_id: repairNode.stage_kind_id,
    active_since: context.captured_at,
  });
  ctx.snapshot = { ...ctx.snapshot, current_failure_class: code };
  setPlaneMarker(ctx, plane, marker("BLOCKED"), "runtime_error", run.run_id);
}

/**
 * The runtime itself failed after a stage ran: write an error report and route the run to the
 * plane's repair stage, or block it when there is none, its budget is spent, or the failure is not
 * repairable (closure runs, invalid recon hand-offs).
 */
export function scheduleRepair(
  ctx: EngineContext,
  completion: StageCompletion,
  decision: RouterDecision | null,
  error: unknown,
): AppliedStage {
  const { plane, run, envelope } = completion;
  const err = error instanceof Error ? error : new Error(String(error));
  const plan = planRepair(ctx, completion, decision, err);
  const { code, repairNode, repairable } = plan;
  const dir = runDir(ctx.paths, run.run_id);
  mkdirSync(dir, { recursive: true });
  const reportPath = path.join(dir, "runtime_error_report.md");
  const now = formatTimestamp(ctx.clock());
  const context: RuntimeErrorContext = RuntimeErrorContextSchema.parse({
    schema_version: "1.0",
    kind: "runtime_error_context",
    error_code: code,
    plane,
    failed_stage: run.stage,
    repair_stage: repairable ? (repairNode?.stage as string) : run.stage,
    work_item_kind: run.work_item_kind ?? null,
    work_item_id: run.work_item_id ?? null,
    run_id: run.run_id,
    router_action: decision?.action ?? null,
    terminal_result: envelope.terminal_result,
    stage_result_path: toWorkspaceRelative(ctx.paths, completion.stageResultPath),
    report_path: toWorkspaceRelative(ctx.paths, reportPath),
    exception_type: MillraceError.isInstance(err) ? `MillraceError:${err.code}` : err.name,
    exception_message: err.message,
    captured_at: now,
  });
  writeRuntimeErrorReport(reportPath, completion, context, plan, err);
  recordEvent(ctx, "runtime_post_stage_recovery_scheduled", {
    error_code: code,
    plane,
    failed_stage: run.stage,
    repair_stage: context.repair_stage,
    repair_node_id: repairable ? (repairNode?.node_id ?? null) : null,
    repair_stage_kind_id: repairable ? (repairNode?.stage_kind_id ?? null) : null,
    router_action: decision?.action ?? null,
    terminal_result: envelope.terminal_result,
    work_item_kind: run.work_item_kind ?? null,
    work_item_id: run.work_item_id ?? null,
    exception_type: context.exception_type,
    exception_message: err.message,
    report_path: context.report_path,
  });
  if (repairable && repairNode) {
    startRepairStage(ctx, completion, context, code, repairNode);
    return { decision, runtimeErrorCode: code, runEnded: false };
  }
  if (run.request_kind !== "closure_target" && run.work_item_kind && run.work_item_id)
    blockItem(ctx, run.work_item_kind as DocumentKind, run.work_item_id);
  endRun(ctx, plane, run, marker("BLOCKED"), code);
  return { decision, runtimeErrorCode: code, runEnded: true };
}

/** The runtime-error context, only when it matches the run exactly (the repair stage's request). */
export function matchingRuntimeError(
  ctx: EngineContext,
  run: ActiveRunState,
): RuntimeErrorContext | undefined {
  try {
    const context = RuntimeErrorContextSchema.parse(
      JSON.parse(readFileSync(ctx.paths.runtimeErrorContext, "utf8")),
    );
    const matches =
      context.plane === run.plane &&
      context.run_id === run.run_id &&
      context.repair_stage === run.stage &&
      (context.work_item_id ?? null) === (run.work_item_id ?? null) &&
      normalizeFailureClass(context.error_code) ===
        normalizeFailureClass(ctx.snapshot.current_failure_class ?? "");
    return matches ? context : undefined;
  } catch {
    return undefined;
  }
}
