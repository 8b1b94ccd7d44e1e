import { mkdirSync } from "node:fs";
import {
  type CompoundingOrientOutput,
  formatTimestamp,
  type OrientationCluster,
  type OrientationEntry,
  type OrientationFamily,
} from "@millrace/contracts";
import { toWorkspaceRelative, type WorkspacePaths, writeJsonAtomicSync } from "@millrace/workspace";
import { loadCompoundingSnapshot } from "../store/snapshot.js";
import { buildIndexes } from "./build-indexes.js";

export interface OrientOptions {
  /** Whitespace-separated terms; an entry matches when it contains every term (case-insensitive). */
  readonly query?: string;
  readonly now?: Date;
}

/** Regenerates and persists both orientation indexes, then answers the optional query over them. */
export function orient(paths: WorkspacePaths, options: OrientOptions = {}): CompoundingOrientOutput {
  const snapshot = loadCompoundingSnapshot(paths);
  const generatedAt = formatTimestamp(options.now ?? new Date());
  const { index, relationships } = buildIndexes(snapshot, generatedAt);
  mkdirSync(snapshot.paths.indexes, { recursive: true });
  writeJsonAtomicSync(snapshot.paths.governedStoreIndex, index);
  writeJsonAtomicSync(snapshot.paths.relationshipSummary, relationships);
  const terms = (options.query ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  const entries = index.entries.filter((entry) => terms.every((term) => haystack(entry).includes(term)));
  const ids = new Set(entries.map((entry) => entry.entry_id));
  const clusters =
    terms.length === 0
      ? relationships.clusters
      : relationships.clusters.filter((cluster) => cluster.member_ids.some((id) => ids.has(id)));
  const familyCounts: Record<OrientationFamily, number> = { procedure: 0, context_fact: 0 };
  for (const entry of entries) familyCounts[entry.family] += 1;
  const clusterCounts: Record<OrientationCluster["kind"], number> = {
    source_run: 0,
    evidence_ref: 0,
    tag: 0,
  };
  for (const cluster of clusters) clusterCounts[cluster.kind] += 1;
  return {
    generated_at: generatedAt,
    query: terms.length === 0 ? null : terms.join(" "),
    family_counts: familyCounts,
    cluster_counts: clusterCounts,
    entries,
    clusters,
    written: [
      toWorkspaceRelative(paths, snapshot.paths.governedStoreIndex),
      toWorkspaceRelative(paths, snapshot.paths.relationshipSummary),
    ],
  };
}

function haystack(entry: OrientationEntry): string {
  return [entry.entry_id, entry.label, entry.summary, entry.source_stage, entry.status, ...entry.tags]
    .join(" ")
    .toLowerCase();
}
