import path from "node:path";
import type { CompoundingSnapshot } from "../store/snapshot.js";
import { type FilePlace, type RetrievalView, StoreIndex } from "./store-index.js";

export type { FamilyView, RetrievalView, ViewItem } from "./store-index.js";
export { tokensOf } from "./store-index.js";

const cache = new WeakMap<CompoundingSnapshot, RetrievalView>();

/** Where a loaded file sits in its family folder (the top, or a run folder). */
function placeOf(familyDir: string, file: string): FilePlace {
  const dir = path.dirname(file);
  return { dir, folder: dir === familyDir ? "" : path.basename(dir), name: path.basename(file) };
}

/** The view of a whole snapshot, built once per snapshot object (the cache keeps its own, current). */
export function retrievalView(snapshot: CompoundingSnapshot): RetrievalView {
  const cached = cache.get(snapshot);
  if (cached) return cached;
  // The snapshot holds every value, so the index keeps them and never reads a file.
  const view = new StoreIndex(
    snapshot.paths,
    snapshot.workspacePaths,
    { procedure: () => null, fact: () => null },
    true,
  );
  for (const { value } of snapshot.lifecycle) view.addRecord(value);
  for (const { file, value } of snapshot.procedures)
    view.procedures.add(placeOf(snapshot.paths.procedures, file), value);
  for (const { file, value } of snapshot.facts)
    view.facts.add(placeOf(snapshot.paths.contextFacts, file), value);
  cache.set(snapshot, view);
  return view;
}

/** The view of either: a snapshot's is built (once), a view is itself. */
export function viewOf(source: CompoundingSnapshot | RetrievalView): RetrievalView {
  return "lifecycle" in source ? retrievalView(source) : source;
}
