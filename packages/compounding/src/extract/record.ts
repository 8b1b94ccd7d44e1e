import { existsSync } from "node:fs";
import path from "node:path";
import type { ContextFact } from "@millrace/contracts";
import { toWorkspaceRelative, type WorkspacePaths } from "@millrace/workspace";
import { compoundingPaths } from "../store/paths.js";
import { factFile, type StoreWrites, writeFact, writeProcedure } from "../store/write.js";
import type { RunCandidate } from "./run-candidate.js";

/** Stores a run candidate (replay-safe: the same stage yields the same file and content). Returns its workspace-relative path. */
export function recordRunCandidate(
  paths: WorkspacePaths,
  candidate: RunCandidate,
  writes?: StoreWrites,
): string {
  return toWorkspaceRelative(
    paths,
    writeProcedure(compoundingPaths(paths), candidate.procedure, candidate.fileName, writes),
  );
}

/**
 * Stores a learning fact candidate unless one with its id exists (a replay never resets a fact).
 * Returns the workspace-relative path and whether it was written.
 */
export function recordLearningFact(
  paths: WorkspacePaths,
  fact: ContextFact,
  writes?: StoreWrites,
): { path: string; written: boolean } {
  const store = compoundingPaths(paths);
  const file = factFile(store, fact);
  if (existsSync(file)) return { path: toWorkspaceRelative(paths, file), written: false };
  writeFact(store, fact, writes);
  return { path: toWorkspaceRelative(paths, path.resolve(file)), written: true };
}
