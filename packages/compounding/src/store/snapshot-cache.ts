import { statSync } from "node:fs";
import path from "node:path";
import type { WorkspacePaths } from "@millrace/workspace";
import { compoundingPaths } from "./paths.js";
import { foldersIn } from "./read-json.js";
import { type CompoundingSnapshot, loadCompoundingSnapshot } from "./snapshot.js";

export interface SnapshotCache {
  /** The current snapshot: the cached one while no store folder changed, else a fresh load. */
  get(): CompoundingSnapshot;
}

function stamp(dir: string): string {
  try {
    const stat = statSync(dir);
    return `${stat.mtimeMs}:${stat.ctimeMs}`;
  } catch {
    return "absent";
  }
}

/**
 * Caches the snapshot for callers that select before every stage (the engine). Every store write
 * creates or renames a file, which changes its folder's times, so the folder times (the family
 * folders and their run folders) tell when to reload; a stat per folder is far cheaper than
 * reading every file.
 */
export function openSnapshotCache(paths: WorkspacePaths): SnapshotCache {
  const store = compoundingPaths(paths);
  let key = "";
  let snapshot: CompoundingSnapshot | undefined;
  const fingerprint = () => {
    const parts = [stamp(store.lifecycle)];
    for (const dir of [store.procedures, store.contextFacts]) {
      parts.push(stamp(dir));
      for (const run of foldersIn(dir)) parts.push(stamp(path.join(dir, run)));
    }
    return parts.join("|");
  };
  return {
    get() {
      const current = fingerprint();
      if (snapshot === undefined || current !== key) {
        snapshot = loadCompoundingSnapshot(paths);
        key = current;
      }
      return snapshot;
    },
  };
}
