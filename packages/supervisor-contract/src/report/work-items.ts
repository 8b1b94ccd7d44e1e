import type { DocumentKind, Plane, StatusReport, SupervisorWorkItem } from "@millrace/contracts";
import { openQueueStore, type QueueStore, RETRYABLE_KINDS } from "@millrace/queue-store";
import type { WorkspacePaths } from "@millrace/workspace";

const REPORTED_PLANES = ["execution", "planning"] as const;

const PLANE_OF_KIND: Record<string, Plane> = {
  task: "execution",
  probe: "execution",
  incident: "execution",
  spec: "planning",
  blueprint_draft: "planning",
  learning_request: "learning",
};

export interface WorkItems {
  active: SupervisorWorkItem[];
  next: SupervisorWorkItem[];
  blocked: number;
  firstBlockedTask: string | null;
  /** The first blocked task, spec, incident or probe (retrying it is an allowed action). */
  firstBlocked: { kind: DocumentKind; id: string } | null;
}

/** The oldest queued item of each plane whose dependencies are all done (an estimate of the next claim). */
function nextPerPlane(store: QueueStore): SupervisorWorkItem[] {
  const queued = store.list({ state: "queue" });
  const done = new Set(store.list({ state: "done" }).map((item) => item.id));
  const next: SupervisorWorkItem[] = [];
  for (const plane of REPORTED_PLANES) {
    const item = queued.find(
      (candidate) =>
        PLANE_OF_KIND[candidate.kind] === plane &&
        candidate.error === null &&
        candidate.depends_on.every((id) => done.has(id)),
    );
    if (item) next.push({ plane, work_item_kind: item.kind, work_item_id: item.id, title: item.title });
  }
  return next;
}

/**
 * Active and next work, with titles from the queue index (no document is parsed unless new to it).
 * Read-only: the store is not closed, so its index is never written back.
 */
export function readWorkItems(
  paths: WorkspacePaths,
  status: StatusReport,
  store: QueueStore = openQueueStore(paths),
): WorkItems {
  {
    const titles = new Map(store.list({ state: "active" }).map((item) => [item.id, item.title]));
    const active: SupervisorWorkItem[] = [];
    for (const plane of REPORTED_PLANES) {
      const run = status.planes[plane].active_run;
      if (!run) continue;
      active.push({
        plane,
        work_item_kind: run.work_item_kind,
        work_item_id: run.work_item_id,
        title: run.work_item_id ? (titles.get(run.work_item_id) ?? null) : null,
      });
    }
    const counts = store.counts();
    const blocked = Object.values(counts).reduce((sum, perState) => sum + perState.blocked, 0);
    const firstBlockedTask =
      blocked > 0 ? (store.list({ kind: "task", state: "blocked" })[0]?.id ?? null) : null;
    const firstBlocked =
      blocked > 0
        ? (store
            .list({ state: "blocked" })
            .filter((item) => RETRYABLE_KINDS.includes(item.kind))
            .map((item) => ({ kind: item.kind, id: item.id }))[0] ?? null)
        : null;
    return { active, next: nextPerPlane(store), blocked, firstBlockedTask, firstBlocked };
  }
}
