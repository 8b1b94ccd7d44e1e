import path from "node:path";
import type { Plane } from "@millrace/contracts";
import { PLANE_KINDS } from "../layout.js";
import { folderOf, type StoreContext } from "./context.js";
import type { QueueItemRef } from "./lookup.js";

export type PlaneCounts = Record<Plane, number>;

const PLANES = ["execution", "planning", "learning"] as const;

/** The documents in a plane's active folders. */
export function activeOn(ctx: StoreContext, plane: Plane): QueueItemRef[] {
  const out: QueueItemRef[] = [];
  for (const kind of PLANE_KINDS[plane]) {
    const folder = folderOf(ctx, kind, "active");
    for (const [name, entry] of ctx.cache.sync(folder).all()) {
      out.push({ kind, id: entry.id, state: "active", path: path.join(folder.dir, name) });
    }
  }
  return out;
}

/** Every active document on every plane. */
export function activeItems(ctx: StoreContext): QueueItemRef[] {
  return PLANES.flatMap((plane) => activeOn(ctx, plane));
}

export function activeCounts(ctx: StoreContext): PlaneCounts {
  return {
    execution: activeOn(ctx, "execution").length,
    planning: activeOn(ctx, "planning").length,
    learning: activeOn(ctx, "learning").length,
  };
}

/** Planes holding more than one active item (at most one is allowed). */
export function planesWithSeveralActive(ctx: StoreContext): Array<{ plane: Plane; ids: string[] }> {
  const out: Array<{ plane: Plane; ids: string[] }> = [];
  for (const plane of PLANES) {
    const active = activeOn(ctx, plane);
    if (active.length > 1) out.push({ plane, ids: active.map((ref) => ref.id) });
  }
  return out;
}
