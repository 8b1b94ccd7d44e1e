import { openStoreCache, type StoreCache, type StoreWrites } from "@millrace/compounding";
import type { EngineContext } from "../state/context.js";

// One store cache per engine: selecting before every stage and flushing after a run's checkpoints
// must not read the whole store each time (it grows with every run).
const caches = new WeakMap<EngineContext, StoreCache>();

/** The engine's cache of the compounding store. */
export function compoundingStore(ctx: EngineContext): StoreCache {
  let cache = caches.get(ctx);
  if (!cache) {
    cache = openStoreCache(ctx.paths);
    caches.set(ctx, cache);
  }
  return cache;
}

/**
 * The engine's writes into the store ride its commit journal: each file is written whole but not
 * flushed on its own, and goes into the step's record (already written), which the step's one fsync
 * makes durable and recovery rebuilds it from (state/commit-journal.ts). Without a journal (a
 * context that has none), each write is flushed on its own. Either way the engine's store cache
 * notes each file, so its own writes do not make it list the store's large folders again.
 */
export function stepWrites(ctx: EngineContext): StoreWrites {
  const written = (file: string) => compoundingStore(ctx).note(file);
  if (!ctx.journal) return { written };
  return {
    journal: (file, text) => {
      ctx.pendingFiles.push({ path: file, text, written: true });
    },
    written,
  };
}
