import { existsSync } from "node:fs";
import path from "node:path";
import type { DocumentKind, Plane } from "@millrace/contracts";
import { documentName, PLANE_KINDS } from "./layout.js";
import type { QueueStore } from "./store/queue-store.js";

export type StaleQueueReason =
  | "multiple_active_items"
  | "active_without_snapshot"
  | "snapshot_points_to_queued_item"
  | "snapshot_without_active_artifact"
  | "snapshot_active_id_mismatch";

export interface StaleQueueSignal {
  plane: Plane;
  reason: StaleQueueReason;
  /** Ids of the active documents on the plane. */
  active_ids: string[];
  /** What the snapshot says is active on the plane, if anything. */
  snapshot_item: { kind: DocumentKind; id: string } | null;
}

/** What the runtime snapshot says is active, per plane (null or absent: idle). */
export type SnapshotActiveItems = Partial<Record<Plane, { kind: DocumentKind; id: string } | null>>;

/**
 * Compares the active folders with what the runtime snapshot believes is running, per plane, and
 * names each disagreement. Pure inspection: the engine decides whether to requeue, resume or reroute.
 */
export function detectStaleQueueState(store: QueueStore, snapshot: SnapshotActiveItems): StaleQueueSignal[] {
  const signals: StaleQueueSignal[] = [];
  for (const plane of ["execution", "planning", "learning"] as const) {
    const active = store.activeOn(plane);
    const ids = active.map((ref) => ref.id);
    const expected = snapshot[plane] ?? null;
    const signal = (reason: StaleQueueReason) =>
      signals.push({ plane, reason, active_ids: ids, snapshot_item: expected });
    if (active.length > 1) {
      signal("multiple_active_items");
      continue;
    }
    if (!expected) {
      if (active.length === 1) signal("active_without_snapshot");
      continue;
    }
    if (active.length === 0) {
      const queued = PLANE_KINDS[plane].some((kind) =>
        existsSync(path.join(store.folder(kind, "queue").dir, documentName(expected.id))),
      );
      signal(queued ? "snapshot_points_to_queued_item" : "snapshot_without_active_artifact");
      continue;
    }
    const only = active[0];
    if (only && (only.id !== expected.id || only.kind !== expected.kind))
      signal("snapshot_active_id_mismatch");
  }
  return signals;
}
