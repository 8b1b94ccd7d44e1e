import type {
  GovernedStoreIndex,
  OrientationCluster,
  OrientationEntry,
  RelationshipSummary,
} from "@millrace/contracts";
import { toWorkspaceRelative } from "@millrace/workspace";
import { factStatus, latestLifecycle, lifecycleKey, procedureStatus } from "../lifecycle/status.js";
import type { CompoundingSnapshot } from "../store/snapshot.js";

export const ORIENTATION_NOTE =
  "Secondary surface: derived from the procedure, context-fact and lifecycle stores by `compounding orient`. The stores are the source of truth; regenerate instead of editing.";

export interface BuiltIndexes {
  readonly index: GovernedStoreIndex;
  readonly relationships: RelationshipSummary;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Both orientation indexes, freshly derived from a snapshot. Pure; sorted, so equal stores give equal indexes. */
export function buildIndexes(snapshot: CompoundingSnapshot, generatedAt: string): BuiltIndexes {
  const latest = latestLifecycle(snapshot.lifecycle.map((entry) => entry.value));
  const entries = new Map<string, OrientationEntry>();
  for (const { value, file } of snapshot.procedures) {
    if (entries.has(value.procedure_id)) continue;
    const replacement = latest.get(lifecycleKey("procedure", value.procedure_id))?.replacement_procedure_id;
    entries.set(value.procedure_id, {
      entry_id: value.procedure_id,
      family: "procedure",
      status: procedureStatus(value, latest),
      label: value.title,
      summary: value.summary,
      artifact_ref: toWorkspaceRelative(snapshot.workspacePaths, file),
      source_run_id: value.source_run_id,
      source_stage: value.source_stage,
      tags: [...value.tags].sort(byString),
      evidence_refs: [...value.evidence_refs].sort(byString),
      related_ids: [value.supersedes_procedure_id, replacement]
        .filter((id): id is string => !!id)
        .sort(byString),
    });
  }
  for (const { value, file } of snapshot.facts) {
    if (entries.has(value.fact_id)) continue;
    const replacement = latest.get(lifecycleKey("fact", value.fact_id))?.replacement_procedure_id;
    entries.set(value.fact_id, {
      entry_id: value.fact_id,
      family: "context_fact",
      status: factStatus(value, latest),
      label: value.title,
      summary: value.summary,
      artifact_ref: toWorkspaceRelative(snapshot.workspacePaths, file),
      source_run_id: value.source_run_id,
      source_stage: value.source_stage,
      tags: [...value.tags].sort(byString),
      evidence_refs: [...value.evidence_refs].sort(byString),
      related_ids: [value.supersedes_fact_id, replacement].filter((id): id is string => !!id).sort(byString),
    });
  }
  const sorted = [...entries.values()].sort((a, b) => byString(a.entry_id, b.entry_id));
  return {
    index: {
      schema_version: "1.0",
      kind: "governed_store_index",
      generated_at: generatedAt,
      note: ORIENTATION_NOTE,
      entries: sorted,
    },
    relationships: {
      schema_version: "1.0",
      kind: "relationship_summary",
      generated_at: generatedAt,
      note: ORIENTATION_NOTE,
      clusters: clustersOf(sorted),
    },
  };
}

/** Groups of two or more entries sharing a source run, an evidence ref or a tag. */
function clustersOf(entries: readonly OrientationEntry[]): OrientationCluster[] {
  const groups = new Map<
    string,
    { kind: OrientationCluster["kind"]; key: string; members: OrientationEntry[] }
  >();
  const add = (kind: OrientationCluster["kind"], key: string, entry: OrientationEntry) => {
    const id = `${kind}.${key}`;
    const group = groups.get(id) ?? { kind, key, members: [] };
    groups.set(id, group);
    group.members.push(entry);
  };
  for (const entry of entries) {
    add("source_run", entry.source_run_id, entry);
    for (const ref of new Set(entry.evidence_refs)) add("evidence_ref", ref, entry);
    for (const tag of new Set(entry.tags)) add("tag", tag, entry);
  }
  const out: OrientationCluster[] = [];
  for (const [clusterId, group] of groups) {
    if (group.members.length < 2) continue;
    const shared = new Set(group.members[0]?.tags ?? []);
    for (const member of group.members.slice(1)) {
      for (const tag of shared) if (!member.tags.includes(tag)) shared.delete(tag);
    }
    out.push({
      cluster_id: clusterId,
      kind: group.kind,
      label: `${group.kind.replace("_", " ")} ${group.key}`,
      summary: `${group.members.length} entries share the ${group.kind.replace("_", " ")} ${group.key}`,
      member_ids: group.members.map((member) => member.entry_id),
      shared_terms: [...shared].sort(byString),
    });
  }
  return out.sort((a, b) => byString(a.cluster_id, b.cluster_id));
}
