import type { ActiveRunState, DocumentKind, Plane, WorkDocument } from "@millrace/contracts";
import { considerAutoRetry } from "../recovery/auto-retry.js";
import { type EngineContext, emitMonitor, recordEvent } from "../state/context.js";
import { activePlanes } from "../state/planes.js";
import {
  clearItemCounters,
  counterTotals,
  idleAllMarkers,
  withActiveRun,
  withAggregateCounters,
  withStatusMarker,
  writeStatusMarker,
} from "../state/state-store.js";

export const IDLE = "### IDLE";
export const marker = (token: string) => `### ${token}`;

export function setPlaneMarker(
  ctx: EngineContext,
  plane: Plane,
  next: string,
  source: string,
  runId: string | null,
): void {
  const previous = ctx.snapshot.status_markers_by_plane[plane] ?? IDLE;
  writeStatusMarker(ctx.paths, plane, next);
  ctx.snapshot = withStatusMarker(ctx.snapshot, plane, next);
  // Stage starts and results already say what the marker shows; report only the other changes.
  if (previous !== next && source !== "router") {
    emitMonitor(ctx, {
      type: "status_marker_changed",
      at: ctx.clock(),
      plane,
      runId,
      previous,
      current: next,
      source,
    });
  }
}

export function findDocument(ctx: EngineContext, kind: DocumentKind, id: string): WorkDocument | undefined {
  const refs = ctx.queue.findAll(id).filter((ref) => ref.kind === kind);
  const order = ["active", "queue", "blocked", "done"];
  refs.sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state));
  const ref = refs[0];
  if (!ref) return undefined;
  try {
    return ctx.queue.readDocument(ref);
  } catch {
    return undefined;
  }
}

/** Moves the active document to done/resolved; a document already there is left alone (replay-safe). */
export function completeItem(ctx: EngineContext, kind: DocumentKind, id: string): void {
  const where = ctx.queue.find(id);
  if (where?.state === "done") return;
  ctx.queue.complete(kind, id);
}

export function blockItem(ctx: EngineContext, kind: DocumentKind, id: string): void {
  const where = ctx.queue.find(id);
  if (where?.state === "blocked") return;
  try {
    ctx.queue.block(kind, id);
  } catch (error) {
    recordEvent(ctx, "runtime_blocked_mark_failed", {
      work_item_kind: kind,
      work_item_id: id,
      error: (error as Error).message,
    });
  }
}

/**
 * Ends a plane's run: removes it, clears the item's counters and failure state, writes the marker,
 * and (for an item it leaves blocked) schedules or declines an automatic retry.
 */
export function endRun(
  ctx: EngineContext,
  plane: Plane,
  run: ActiveRunState,
  markerAfter: string,
  failureClass: string | null,
) {
  ctx.snapshot = withActiveRun(ctx.snapshot, plane, undefined);
  if (run.work_item_kind && run.work_item_id) {
    ctx.counters = clearItemCounters(ctx.counters, run.work_item_kind, run.work_item_id);
  }
  ctx.snapshot = withAggregateCounters(
    { ...ctx.snapshot, current_failure_class: failureClass },
    counterTotals(ctx.counters, null, null),
  );
  if (markerAfter === IDLE && activePlanes(ctx).length === 0) {
    for (const p of ["execution", "planning", "learning"] as const) {
      if (p !== plane && (ctx.snapshot.status_markers_by_plane[p] ?? IDLE) !== IDLE)
        setPlaneMarker(ctx, p, IDLE, "runtime_idle", null);
    }
    ctx.snapshot = idleAllMarkers(ctx.snapshot);
  }
  setPlaneMarker(ctx, plane, markerAfter, "router", run.run_id);
  considerAutoRetry(ctx, run, failureClass);
}
