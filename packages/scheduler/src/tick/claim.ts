import {
  type ActiveRunState,
  type DocumentKind,
  type EntryKey,
  type FrozenGraphPlanePlan,
  formatTimestamp,
  type LearningRequestDocument,
  type Plane,
  type SpecDocument,
} from "@millrace/contracts";
import type { ClaimedItem } from "@millrace/queue-store";
import { heldWorkItemIds, lineageAwaitsOperator, takeQuestionResume } from "../questions/resume.js";
import { closureRootOf, createTarget, loadTarget, openTarget } from "../state/closure-targets.js";
import { type EngineContext, recordEvent } from "../state/context.js";
import { graphOf } from "../state/planes.js";
import { withActiveRun } from "../state/state-store.js";

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
/** Makes `run` the plane's active run, starting now. */
export function startRun(
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
export function claimAndActivate(
  ctx: EngineContext,
  plane: Plane,
  lanes: { skipIds?: ReadonlySet<string>; maxActive?: number } = {},
): ActiveRunState | undefined {
  const graph = graphOf(ctx.plan, plane);
  if (!graph) return undefined;
  if (ctx.snapshot.active_runs_by_plane[plane]) return undefined;
  const open = plane === "learning" ? undefined : openTarget(ctx.paths);
  // A lineage waiting for an operator answer does not hold the other work back.
  const target = open && !lineageAwaitsOperator(ctx, open.root_spec_id) ? open : undefined;
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
    const held = heldWorkItemIds(ctx);
    for (const id of lanes.skipIds ?? []) held.add(id);
    const claimed = ctx.queue.claimNext(plane, {
      ...(target ? { rootSpecId: target.root_spec_id } : {}),
      ...(held.size > 0 ? { skipIds: held } : {}),
      ...(lanes.maxActive ? { maxActive: lanes.maxActive } : {}),
    });
    if (!claimed) return undefined;
    try {
      if (claimed.kind === "spec" && !prepareClosure(ctx, claimed)) continue;
      // A released parked item continues at the stage it was parked before.
      const resume = ctx.governance?.takeResume(claimed.id) ?? takeQuestionResume(ctx, graph, claimed.id);
      const resumeNode = resume && graph.nodes.find((candidate) => candidate.node_id === resume.node_id);
      const nodeId = resumeNode ? resumeNode.node_id : entryNode(graph, claimed);
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
        run_id: resumeNode && resume ? resume.run_id : ctx.ids.runId(),
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
