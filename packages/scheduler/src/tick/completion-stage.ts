import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  type ActiveRunState,
  type ClosureTargetState,
  formatTimestamp,
  LineageDriftDiagnosticSchema,
  type LineageDriftFinding,
} from "@millrace/contracts";
import { toWorkspaceRelative, writeJsonAtomicSync } from "@millrace/workspace";
import { openTarget, saveTarget } from "../state/closure-targets.js";
import { type EngineContext, recordEvent } from "../state/context.js";
import { executionRanSince } from "../state/execution-history.js";
import { activePlanes, graphOf } from "../state/planes.js";
import { startRun } from "./claim.js";

/**
 * Drops blocked tasks and specs whose hand-off to planning is finished (an incident naming them as
 * its source is resolved): planning replaced that work, so it no longer holds the lineage open. A
 * blocked item without a resolved hand-off still suppresses closure until an operator acts.
 */
function withoutRemediatedItems(ctx: EngineContext, openWork: string[]): string[] {
  const blocked = openWork.filter((id) => {
    const ref = ctx.queue.find(id);
    return ref?.state === "blocked" && (ref.kind === "task" || ref.kind === "spec");
  });
  if (blocked.length === 0) return openWork;
  const remediated = new Set<string>();
  for (const ref of ctx.queue.list({ kind: "incident", state: "done" })) {
    try {
      const incident = ctx.queue.readDocument({
        kind: "incident",
        id: ref.id,
        state: "done",
        path: path.join(ctx.paths.queues.incident.done, `${ref.id}.md`),
      });
      if (incident.kind !== "incident") continue;
      if (incident.source_task_id) remediated.add(incident.source_task_id);
      if (incident.source_spec_id && incident.source_stage !== "arbiter")
        remediated.add(incident.source_spec_id);
    } catch {
      // An unreadable incident proves nothing.
    }
  }
  return openWork.filter((id) => !(blocked.includes(id) && remediated.has(id)));
}

/**
 * True while the target's last Arbiter verdict still stands: no execution stage has completed since
 * that Arbiter run. A fresh engine learns it once from the event log.
 */
function isHeld(ctx: EngineContext, rootSpecId: string, lastArbiterRunId: string | null): boolean {
  if (!lastArbiterRunId) return false;
  let held = ctx.closureHolds.get(rootSpecId);
  if (held === undefined) {
    held = executionRanSince(ctx, lastArbiterRunId) ? "" : lastArbiterRunId;
    ctx.closureHolds.set(rootSpecId, held);
  }
  if (held === "") return false;
  const reported = reportedHolds.get(ctx) ?? new Set<string>();
  reportedHolds.set(ctx, reported);
  if (!reported.has(held)) {
    reported.add(held);
    recordEvent(ctx, "completion_behavior_held", {
      root_spec_id: rootSpecId,
      last_arbiter_run_id: held,
      reason: "no execution stage has completed since the last Arbiter verdict; it would not change",
    });
  }
  return true;
}

/**
 * Work that belongs to the target's lineage but names another root (same root idea, or a known
 * alias of the root spec) would be left out of the closure check: write the diagnostic the
 * operator repairs from (`queue repair-lineage`), and say so once per change of the findings.
 */
function reportDrift(ctx: EngineContext, target: ClosureTargetState, drift: LineageDriftFinding[]): void {
  const file = path.join(ctx.paths.arbiterDiagnostics, "lineage-drift", `${target.root_spec_id}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomicSync(
    file,
    LineageDriftDiagnosticSchema.parse({
      schema_version: "1.0",
      kind: "closure_lineage_drift_diagnostic",
      root_spec_id: target.root_spec_id,
      root_idea_id: target.root_idea_id,
      detected_at: formatTimestamp(ctx.clock()),
      findings: drift,
      recommended_command: `millrace queue repair-lineage --root-spec-id ${target.root_spec_id}`,
    }),
  );
  const blockingWorkIds = drift.map((finding) => finding.work_item_id);
  recordEvent(ctx, "completion_behavior_blocked", {
    reason: "closure_lineage_drift",
    root_spec_id: target.root_spec_id,
    blocking_work_ids: blockingWorkIds,
  });
  recordEvent(ctx, "closure_lineage_drift_detected", {
    root_spec_id: target.root_spec_id,
    root_idea_id: target.root_idea_id,
    finding_count: drift.length,
    diagnostic_path: toWorkspaceRelative(ctx.paths, file),
  });
}

/** Holds already announced in the event log, per engine. */
const reportedHolds = new WeakMap<EngineContext, Set<string>>();

/**
 * Completion behaviour: when every plane is idle and the planning graph has an Arbiter node, the
 * open closure target whose lineage has no open work gets an Arbiter run. Blocked lineage work
 * suppresses closure (it is recorded on the target) without fabricating work.
 */
export function activateCompletionStage(ctx: EngineContext): ActiveRunState | undefined {
  const graph = graphOf(ctx.plan, "planning");
  const completion = graph?.compiled_completion_entry;
  if (!graph || !completion) return undefined;
  if (activePlanes(ctx).length > 0) return undefined;
  const target = openTarget(ctx.paths);
  if (!target) return undefined;
  const openWork = withoutRemediatedItems(ctx, ctx.queue.openLineageWork(target.root_spec_id));
  // Drift is looked for only once the lineage is otherwise ready: open work blocks closure first.
  const drift =
    openWork.length > 0
      ? []
      : ctx.queue.lineageDrift({ rootSpecId: target.root_spec_id, rootIdeaId: target.root_idea_id });
  const blocking = openWork.length > 0 ? openWork : drift.map((finding) => finding.work_item_id);
  const blocked = blocking.length > 0;
  const changed =
    blocked !== target.closure_blocked_by_lineage_work ||
    blocked !== target.blocking_work_ids.length > 0 ||
    (blocked && blocking.join(",") !== target.blocking_work_ids.join(","));
  if (changed) {
    saveTarget(ctx.paths, {
      ...target,
      closure_blocked_by_lineage_work: blocked,
      blocking_work_ids: blocked ? blocking : [],
    });
  }
  if (changed && drift.length > 0) reportDrift(ctx, target, drift);
  else if (blocked !== target.closure_blocked_by_lineage_work && blocked) {
    recordEvent(ctx, "completion_behavior_blocked", {
      reason: "open_lineage_work",
      root_spec_id: target.root_spec_id,
      blocking_work_ids: openWork,
    });
  }
  if (blocked) return undefined;
  if (isHeld(ctx, target.root_spec_id, target.last_arbiter_run_id ?? null)) return undefined;
  const node = graph.nodes.find((candidate) => candidate.node_id === completion.node_id);
  if (!node) return undefined;
  const run = startRun(ctx, "planning", {
    stage: node.stage,
    node_id: node.node_id,
    stage_kind_id: node.stage_kind_id,
    run_id: ctx.ids.runId(),
    request_kind: "closure_target",
    work_item_kind: null,
    work_item_id: null,
    closure_target_root_spec_id: target.root_spec_id,
    closure_target_root_idea_id: target.root_idea_id,
  });
  recordEvent(ctx, "completion_behavior_activated", {
    root_spec_id: target.root_spec_id,
    root_idea_id: target.root_idea_id,
    run_id: run.run_id,
    node_id: node.node_id,
  });
  return run;
}
