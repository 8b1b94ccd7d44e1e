import { existsSync } from "node:fs";
import path from "node:path";
import {
  canonicalJson,
  type GovernedStoreIndex,
  GovernedStoreIndexSchema,
  type RelationshipSummary,
  RelationshipSummarySchema,
} from "@millrace/contracts";
import { toWorkspaceRelative } from "@millrace/workspace";
import { buildIndexes } from "../orient/build-indexes.js";
import { readTolerant } from "../store/read-json.js";
import type { CompoundingSnapshot } from "../store/snapshot.js";
import { fail, type Issue } from "./store-checks.js";

export interface IndexCheck {
  readonly issues: Issue[];
  readonly indexPresent: boolean;
  readonly relationshipsPresent: boolean;
  readonly entryCount: number;
  readonly clusterCount: number;
}

/** The stored orientation indexes: loadable, pointing at real artifacts and members, in sync with the stores. */
export function indexIssues(snapshot: CompoundingSnapshot): IndexCheck {
  const issues: Issue[] = [];
  const root = snapshot.workspacePaths.root;
  const indexRef = toWorkspaceRelative(snapshot.workspacePaths, snapshot.paths.governedStoreIndex);
  const relRef = toWorkspaceRelative(snapshot.workspacePaths, snapshot.paths.relationshipSummary);
  const index = loadIfPresent(
    snapshot.paths.governedStoreIndex,
    GovernedStoreIndexSchema,
    "index",
    issues,
    indexRef,
  );
  const relationships = loadIfPresent(
    snapshot.paths.relationshipSummary,
    RelationshipSummarySchema,
    "relationship",
    issues,
    relRef,
  );
  const fresh = buildIndexes(snapshot, "1970-01-01T00:00:00Z");
  if (index) {
    for (const entry of index.entries) {
      if (!existsSync(path.join(root, ...entry.artifact_ref.split("/")))) {
        issues.push(
          fail(
            "index",
            "entry_missing_artifact",
            entry.entry_id,
            `index entry ${entry.entry_id} points at ${entry.artifact_ref}, which does not exist`,
            indexRef,
            [entry.artifact_ref],
          ),
        );
      }
    }
    if (
      canonicalJson({ ...index, generated_at: "" }) !== canonicalJson({ ...fresh.index, generated_at: "" })
    ) {
      issues.push(
        fail(
          "index",
          "out_of_sync",
          "governed_store_index",
          "the stored orientation index differs from the stores; rebuild the indexes (buildIndexes)",
          indexRef,
        ),
      );
    }
  }
  if (relationships) {
    const ids = new Set((index ?? fresh.index).entries.map((entry) => entry.entry_id));
    for (const cluster of relationships.clusters) {
      const missing = cluster.member_ids.filter((id) => !ids.has(id));
      if (missing.length > 0) {
        issues.push(
          fail(
            "relationship",
            "cluster_missing_members",
            cluster.cluster_id,
            `cluster ${cluster.cluster_id} lists ${missing.length} member(s) the index does not have`,
            relRef,
            missing,
          ),
        );
      }
    }
    if (
      canonicalJson({ ...relationships, generated_at: "" }) !==
      canonicalJson({ ...fresh.relationships, generated_at: "" })
    ) {
      issues.push(
        fail(
          "relationship",
          "out_of_sync",
          "relationship_summary",
          "the stored relationship summary differs from the stores; rebuild the indexes (buildIndexes)",
          relRef,
        ),
      );
    }
  }
  return {
    issues,
    indexPresent: index !== null,
    relationshipsPresent: relationships !== null,
    entryCount: index?.entries.length ?? 0,
    clusterCount: relationships?.clusters.length ?? 0,
  };
}

function loadIfPresent<T extends GovernedStoreIndex | RelationshipSummary>(
  file: string,
  schema: Parameters<typeof readTolerant<T>>[1],
  family: string,
  issues: Issue[],
  ref: string,
): T | null {
  if (!existsSync(file)) return null;
  const read = readTolerant(file, schema, family);
  if (read.ok) return read.value;
  issues.push(
    fail(
      family,
      "unloadable",
      path.basename(file, ".json"),
      `cannot load ${path.basename(file)}: ${read.problem.reason}`,
      ref,
    ),
  );
  return null;
}
