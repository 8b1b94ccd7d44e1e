import path from "node:path";
import {
  type ActiveRunState,
  type CompiledRunPlan,
  type DocumentKind,
  type EntryKey,
  type FrozenGraphPlanePlan,
  formatTimestamp,
  type LearningRequestDocument,
  type Plane,
  type SpecDocument,
} from "@millrace/contracts";
import type { ClaimedItem } from "@millrace/queue-store";
import { tailEvents } from "@millrace/workspace";
import { closureRootOf, createTarget, loadTarget, openTarget, saveTarget } from "./closure-targets.js";
import { canDispatch } from "./concurrency.js";
import { type EngineContext, recordEvent } from "./context.js";
import { withActiveRun } from "./state-store.js";

export function graphOf(plan: CompiledRunPlan, plane: Plane): FrozenGraphPlanePlan | null {
  return plan.graphs_by_plane[plane] ?? null;
}

export function activePlanes(ctx: EngineContext): Plane[] {
  return (["planning", "execution", "learning"] as const).filter(
    (plane) => ctx.snapshot.active_runs_by_plane[plane],
  );
}

/** The compiled entry node for a work item kind on a plane (a learning request may name its stage). */
function entryNode(graph: FrozenGraphPlanePlan, claimed: ClaimedItem): string | undefined {
  if (claimed.kind === "learning_request") {
    const targetStage = (claimed.document as LearningRequestDocument).target_stage;
    if (targetStage) {
      const node = graph.nodes.find((candidate) => candidate.stage_kind_id === targetStage);
      if (node) return node.node_id;
    }
  }
  return graph.compiled_entries.find((entry) => entry.entry_key === (claimed.kind as EntryKey))?.node_id;
}

function startRun(
  ctx: EngineContext,
  plane: Plane,
  run: Omit<ActiveRunState, "active_since" | "plane">,
): ActiveRunState {
  const state: ActiveRunState = { ...run, plane, active_since: formatTimestamp(ctx.clock()) };
  ctx.snapshot = { ...withActiveRun(ctx.snapshot, plane, state), current_failure_class: null };
  return state;
}

/**
 * Opens the closure target when a root spec is claimed. Returns false when the spec must wait
 * because another lineage's target is open (it is requeued: backpressure).
 */
function prepareClosure(ctx: EngineContext, claimed: ClaimedItem): boolean {
  const spec = claimed.document as SpecDocument;
  const root = closureRootOf(spec);
  if (!root || loadTarget(ctx.paths, root.rootSpecId)) return true;
  const open = openTarget(ctx.paths);
  if (open && open.root_spec_id !== root.rootSpecId) {
    ctx.queue.requeue("spec", spec.spec_id, "open closure target backpressure", { actor: "runtime" });
    recordEvent(ctx, "closure_target_backpressure", {
      open_root_spec_id: open.root_spec_id,
      deferred_root_spec_ids: [spec.spec_id],
      reason: "open_closure_target",
    });
    return false;
  }
  createTarget(ctx.paths, spec, claimed.path, ctx.clock());
  recordEvent(ctx, "closure_target_opened", { root_spec_id: root.rootSpecId, root_idea_id: root.rootIdeaId });
  return true;
}

/**
 * Claims the next work item for `plane` (respecting an open closure target's root) and makes it the
 * plane's active run at its graph's entry node. Returns the run, or undefined when nothing is
 * claimable. A claim never leaves a document in `active/` without a run: a failure after the move
 * requeues the document before the error propagates.
 */
export function claimAndActivate(ctx: EngineContext, plane: Plane): ActiveRunState | undefined {
  const graph = graphOf(ctx.plan, plane);
  if (!graph) return undefined;
  if (ctx.snapshot.active_runs_by_plane[plane]) return undefined;
  const target = plane === "learning" ? undefined : openTarget(ctx.paths);
  if (target) {
    const deferred = ctx.queue.deferredRootSpecs(target.root_spec_id);
    if (deferred.length > 0) {
      recordEvent(ctx, "closure_target_backpressure", {
        open_root_spec_id: target.root_spec_id,
        deferred_root_spec_ids: deferred,
        reason: "open_closure_target",
      });
    }
  }
  for (let attempt = 0; attempt < 16; attempt += 1) {
    const claimed = ctx.queue.claimNext(plane, target ? { rootSpecId: target.root_spec_id } : {});
    if (!claimed) return undefined;
    try {
      if (claimed.kind === "spec" && !prepareClosure(ctx, claimed)) continue;
      const nodeId = entryNode(graph, claimed);
      const node = graph.nodes.find((candidate) => candidate.node_id === nodeId);
      if (!node) {
        ctx.queue.block(claimed.kind, claimed.id);
        recordEvent(ctx, "work_item_blocked_no_entry", {
          work_item_kind: claimed.kind,
          work_item_id: claimed.id,
          loop_id: graph.loop_id,
        });
        continue;
      }
      const run = startRun(ctx, plane, {
        stage: node.stage,
        node_id: node.node_id,
        stage_kind_id: node.stage_kind_id,
        run_id: ctx.ids.runId(),
        request_kind: claimed.kind === "learning_request" ? "learning_request" : "active_work_item",
        work_item_kind: claimed.kind,
        work_item_id: claimed.id,
      });
      recordEvent(ctx, "work_item_activated", {
        plane,
        work_item_kind: claimed.kind,
        work_item_id: claimed.id,
        run_id: run.run_id,
        node_id: run.node_id,
      });
      return run;
    } catch (error) {
      requeueAfterFailedActivation(ctx, claimed.kind, claimed.id, error);
      throw error;
    }
  }
  return undefined;
}

function requeueAfterFailedActivation(
  ctx: EngineContext,
  kind: DocumentKind,
  id: string,
  error: unknown,
): void {
  try {
    if (ctx.queue.find(id)?.state === "active") {
      ctx.queue.requeue(kind, id, `activation failed: ${(error as Error).message}`, { actor: "runtime" });
    }
  } catch {
    // The original error is the one worth reporting.
  }
}

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

/** Holds already announced in the event log, per engine. */
const reportedHolds = new WeakMap<EngineContext, Set<string>>();

/** True when an execution stage completed after the event log first mentions `runId`. */
export function executionRanSince(ctx: EngineContext, runId: string): boolean {
  const events = tailEvents(ctx.paths.runtimeEvents, 5000);
  let seen = false;
  for (const event of events) {
    if (!seen && JSON.stringify(event.data).includes(runId)) seen = true;
    else if (seen && event.event_type === "stage_completed" && event.data.plane === "execution") return true;
  }
  return !seen;
}

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
  const blocked = openWork.length > 0;
  if (
    blocked !== target.closure_blocked_by_lineage_work ||
    blocked !== target.blocking_work_ids.length > 0 ||
    (blocked && openWork.join(",") !== target.blocking_work_ids.join(","))
  ) {
    saveTarget(ctx.paths, {
      ...target,
      closure_blocked_by_lineage_work: blocked,
      blocking_work_ids: blocked ? openWork : [],
    });
  }
  if (blocked !== target.closure_blocked_by_lineage_work && blocked) {
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

/**
 * Picks and activates foreground work (planning before execution) and, when the mode allows it,
 * learning beside it. Returns the planes that gained a run.
 */
export function activateWork(ctx: EngineContext): Plane[] {
  const started: Plane[] = [];
  const policy = ctx.plan.concurrency_policy;
  for (const plane of ["planning", "execution"] as const) {
    if (!canDispatch(policy, activePlanes(ctx), plane)) continue;
    if (claimAndActivate(ctx, plane)) {
      started.push(plane);
      break;
    }
  }
  if (started.length === 0 && activePlanes(ctx).length === 0 && activateCompletionStage(ctx)) {
    started.push("planning");
  }
  if (canDispatch(policy, activePlanes(ctx), "learning") && claimAndActivate(ctx, "learning")) {
    started.push("learning");
  }
  return started;
}
