import path from "node:path";
import type { WorkspacePaths } from "@millrace/workspace";

/** The folders and files of `millrace-agents/compounding/`. */
export interface CompoundingPaths {
  readonly root: string;
  readonly procedures: string;
  readonly lifecycle: string;
  readonly contextFacts: string;
  readonly usage: string;
  readonly indexes: string;
  readonly governedStoreIndex: string;
  readonly relationshipSummary: string;
}

export function compoundingPaths(paths: WorkspacePaths): CompoundingPaths {
  const root = path.join(paths.runtimeRoot, "compounding");
  const indexes = path.join(root, "indexes");
  return {
    root,
    procedures: path.join(root, "procedures"),
    lifecycle: path.join(root, "lifecycle"),
    contextFacts: path.join(root, "context_facts"),
    usage: path.join(root, "usage"),
    indexes,
    governedStoreIndex: path.join(indexes, "governed_store_index.json"),
    relationshipSummary: path.join(indexes, "relationship_summary.json"),
  };
}

/**
 * The store folders a write into the store can leave a temp file in when the process is killed:
 * the shared ones, and the run-scope ones of `runIds` (only a run still active or in flight can
 * have one being written). Startup sweeps them.
 */
export function compoundingWriteFolders(paths: WorkspacePaths, runIds: Iterable<string>): string[] {
  const store = compoundingPaths(paths);
  const folders = [store.procedures, store.contextFacts, store.lifecycle];
  for (const runId of runIds) {
    folders.push(
      path.join(store.procedures, runId),
      path.join(store.contextFacts, runId),
      path.join(store.usage, runId),
    );
  }
  return folders;
}
