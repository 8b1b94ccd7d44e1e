import {
  formatTimestamp,
  type LineageDriftFinding,
  type LineageRepairChange,
  type LineageRepairSkip,
  MillraceError,
} from "@millrace/contracts";
import type { ClosureTarget } from "./store/lineage.js";
import type { QueueItemRef } from "./store/lookup.js";
import type { QueueStore } from "./store/queue-store.js";

/** What `queue repair-lineage` would do for one closure target: documents to rewrite, findings left alone. */
export interface LineageRepairPlan {
  readonly target: ClosureTarget;
  readonly changes: readonly LineageRepairChange[];
  readonly skipped: readonly LineageRepairSkip[];
}

/** The ids the drift scan treats as the target's root besides its own (`idea-idea-X` names `idea-X`). */
function wrongRootIds(target: ClosureTarget, finding: LineageDriftFinding): Set<string> {
  const ids = new Set<string>();
  if (finding.actual_root_spec_id !== null) ids.add(finding.actual_root_spec_id);
  if (target.rootSpecId.startsWith("idea-idea-")) ids.add(target.rootSpecId.slice("idea-".length));
  return ids;
}

function planOne(
  target: ClosureTarget,
  finding: LineageDriftFinding,
): LineageRepairChange | LineageRepairSkip {
  const where = {
    work_item_id: finding.work_item_id,
    path: finding.path,
  };
  if (finding.state === "active") {
    return { ...where, work_item_kind: finding.work_item_kind, state: finding.state, reason: "active_item" };
  }
  if (finding.work_item_kind === "spec") {
    return { ...where, work_item_kind: "spec", state: finding.state, reason: "spec_not_rewritten" };
  }
  const rootChange = { from: finding.actual_root_spec_id, to: target.rootSpecId };
  const specIsWrongRoot =
    finding.work_item_kind === "task" &&
    finding.spec_id !== null &&
    finding.spec_id !== target.rootSpecId &&
    wrongRootIds(target, finding).has(finding.spec_id);
  return {
    ...where,
    work_item_kind: finding.work_item_kind,
    state: finding.state,
    root_spec_id: rootChange,
    spec_id: specIsWrongRoot ? { from: finding.spec_id, to: target.rootSpecId } : null,
  };
}

/**
 * The repair of every drift finding of an open closure target: queued and blocked tasks and
 * incidents get the target's root spec id (a task's spec id too, when it named the wrong root or an
 * alias of the target's); specs and active work are reported as skipped, never rewritten.
 */
export function planLineageRepair(store: QueueStore, target: ClosureTarget): LineageRepairPlan {
  const changes: LineageRepairChange[] = [];
  const skipped: LineageRepairSkip[] = [];
  for (const finding of store.lineageDrift(target)) {
    const step = planOne(target, finding);
    if ("reason" in step) skipped.push(step);
    else changes.push(step);
  }
  return { target, changes, skipped };
}

function refOf(store: QueueStore, change: LineageRepairChange): QueueItemRef {
  const ref = store
    .findAll(change.work_item_id)
    .find((candidate) => candidate.kind === change.work_item_kind && candidate.state === change.state);
  if (!ref) {
    throw new MillraceError(
      "queue_state_conflict",
      `${change.work_item_kind} ${change.work_item_id} is no longer in ${change.state}; the lineage changed since the plan was made`,
      { hint: "Run `millrace queue repair-lineage` again to see the current plan." },
    );
  }
  return ref;
}

/**
 * Rewrites the planned documents, each atomically. Every document is located before the first
 * write, so a plan that no longer matches the queue changes nothing.
 */
export function applyLineageRepair(store: QueueStore, plan: LineageRepairPlan, now = new Date()): void {
  const located = plan.changes.map((change) => ({ change, ref: refOf(store, change) }));
  for (const { change, ref } of located) {
    const doc = store.readDocument(ref);
    if (doc.kind !== "task" && doc.kind !== "incident") continue;
    store.rewrite(ref, {
      ...doc,
      root_spec_id: change.root_spec_id.to,
      ...(doc.kind === "task" && change.spec_id ? { spec_id: change.spec_id.to } : {}),
      updated_at: formatTimestamp(now),
    });
  }
}
