import { openSnapshotCache, type SnapshotCache } from "@millrace/compounding";
import type { EngineContext } from "../state/context.js";

// One store cache per engine: selecting before every stage and flushing after a run's checkpoints
// must not read the whole store each time (it grows with every run).
const caches = new WeakMap<EngineContext, SnapshotCache>();

/** The engine's cache of the compounding store. */
export function compoundingStore(ctx: EngineContext): SnapshotCache {
  let cache = caches.get(ctx);
  if (!cache) {
    cache = openSnapshotCache(ctx.paths);
    caches.set(ctx, cache);
  }
  return cache;
}
