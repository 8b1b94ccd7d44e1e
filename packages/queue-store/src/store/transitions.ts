import { existsSync } from "node:fs";
import path from "node:path";
import {
  type DocumentKind,
  formatEventTimestamp,
  MillraceError,
  type QueueFolderState,
  type RequeueRecord,
  RequeueRecordSchema,
} from "@millrace/contracts";
import { loadDocumentFile } from "../cache/entries.js";
import { appendJsonLineSync, moveFileSync, readJsonLines } from "../fs-ops.js";
import { documentName, KIND_PLANE } from "../layout.js";
import { activeItems, activeOn } from "./active.js";
import { folderOf, relativeOf, type StoreContext } from "./context.js";
import { assertSafeId } from "./ids.js";
import { findAll, type QueueItemRef } from "./lookup.js";

export interface RequeueOptions {
  /** Runtime-initiated retry (logged with `"auto": true`). */
  auto?: boolean;
  /** Who asked, recorded in the log. */
  actor?: string;
  /** Requeue from blocked instead of active. */
  from?: "active" | "blocked";
}

/** Moves `<id>.md` from one state folder of its kind to another; `beforeMove` runs once both checks pass. */
function transition(
  ctx: StoreContext,
  kind: DocumentKind,
  id: string,
  states: { from: QueueFolderState; to: QueueFolderState },
  beforeMove?: () => void,
): QueueItemRef {
  const { from, to } = states;
  assertSafeId(id);
  const name = documentName(id);
  const source = folderOf(ctx, kind, from);
  const target = folderOf(ctx, kind, to);
  const sourcePath = path.join(source.dir, name);
  if (!existsSync(sourcePath)) {
    const where = findAll(ctx, id).map((ref) => `${ref.kind} in ${relativeOf(ctx, path.dirname(ref.path))}`);
    throw new MillraceError(
      "queue_state_conflict",
      `${kind} ${id} is not ${from === "queue" ? "queued" : from}${where.length ? ` (found: ${where.join(", ")})` : " (not found)"}`,
      { details: { kind, id, expected_state: from } },
    );
  }
  const targetPath = path.join(target.dir, name);
  if (existsSync(targetPath)) {
    throw new MillraceError(
      "queue_state_conflict",
      `${kind} ${id} already exists in ${relativeOf(ctx, target.dir)}; refusing to overwrite it`,
    );
  }
  beforeMove?.();
  moveFileSync(sourcePath, targetPath);
  const entry = ctx.cache.view(source).get(name);
  ctx.cache.noteRemoved(source, name);
  const moved = entry ?? loadDocumentFile(ctx.paths, target, name, ctx.documentLimit())?.entry;
  if (moved) ctx.cache.noteAdded(target, name, moved);
  return { kind, id, state: to, path: targetPath };
}

/** active → done (resolved for incidents). */
export function complete(ctx: StoreContext, kind: DocumentKind, id: string): QueueItemRef {
  return transition(ctx, kind, id, { from: "active", to: "done" });
}

/** active → blocked. */
export function block(ctx: StoreContext, kind: DocumentKind, id: string): QueueItemRef {
  return transition(ctx, kind, id, { from: "active", to: "blocked" });
}

/** done → blocked: finished work the runtime could not land (a lane whose merge conflicted). */
export function blockDone(ctx: StoreContext, kind: DocumentKind, id: string): QueueItemRef {
  return transition(ctx, kind, id, { from: "done", to: "blocked" });
}

/** done → active: finished work the runtime hands back to a stage (a lane's merge stage). */
export function reopenDone(ctx: StoreContext, kind: DocumentKind, id: string): QueueItemRef {
  return transition(ctx, kind, id, { from: "done", to: "active" });
}

/**
 * Activates one named queued item (queue → active), for callers that choose the item themselves;
 * `claimNext` is the normal path. Refused when the plane already has an active item.
 */
export function activate(ctx: StoreContext, kind: DocumentKind, id: string): QueueItemRef {
  const plane = KIND_PLANE[kind];
  const active = activeOn(ctx, plane);
  if (active.length > 0) {
    throw new MillraceError(
      "queue_state_conflict",
      `the ${plane} plane already has an active item (${active.map((ref) => ref.id).join(", ")})`,
    );
  }
  return transition(ctx, kind, id, { from: "queue", to: "active" });
}

function requeueLogFile(ctx: StoreContext, kind: DocumentKind, id: string): string {
  return path.join(folderOf(ctx, kind, "queue").dir, `${id}.requeue.jsonl`);
}

/**
 * active (or blocked) → claimable, with a non-blank reason appended to `<claimable>/<id>.requeue.jsonl`.
 * The log line is written first: a kill between the two steps leaves a logged reason for a move a
 * later requeue completes, never a move without its reason.
 */
export function requeue(
  ctx: StoreContext,
  kind: DocumentKind,
  id: string,
  reason: string,
  options: RequeueOptions = {},
): QueueItemRef {
  const cleaned = reason.trim();
  if (!cleaned) {
    throw new MillraceError("queue_reason_required", `requeueing ${kind} ${id} needs a non-blank reason`);
  }
  assertSafeId(id);
  const record: RequeueRecord = {
    at: formatEventTimestamp(ctx.clock()),
    kind,
    reason: cleaned,
    ...(options.auto ? { auto: true } : {}),
    ...(options.actor ? { actor: options.actor } : {}),
  };
  const log = requeueLogFile(ctx, kind, id);
  return transition(ctx, kind, id, { from: options.from ?? "active", to: "queue" }, () =>
    appendJsonLineSync(log, record),
  );
}

/** Requeues every active item on every plane (operator `clear-stale-state`). */
export function requeueAllActive(
  ctx: StoreContext,
  reason: string,
  options: Omit<RequeueOptions, "from"> = {},
): QueueItemRef[] {
  return activeItems(ctx).map((ref) => requeue(ctx, ref.kind, ref.id, reason, options));
}

/** The requeue log of an item (tolerates a torn last line). */
export function requeueLog(ctx: StoreContext, kind: DocumentKind, id: string): RequeueRecord[] {
  assertSafeId(id);
  return readJsonLines(requeueLogFile(ctx, kind, id), (value) => RequeueRecordSchema.safeParse(value));
}
