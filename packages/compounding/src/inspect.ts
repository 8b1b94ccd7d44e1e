import {
  type CompoundingItemDetail,
  type CompoundingItemKind,
  type CompoundingItemListing,
  type CompoundingSummary,
  type ContextFact,
  MillraceError,
  type RetrievalStatus,
  type ReusableProcedure,
} from "@millrace/contracts";
import { toWorkspaceRelative, type WorkspacePaths } from "@millrace/workspace";
import {
  factStatus,
  keyOfRecord,
  latestLifecycle,
  lifecycleKey,
  procedureStatus,
} from "./lifecycle/status.js";
import { requireSafeId } from "./store/ids.js";
import { type CompoundingSnapshot, loadCompoundingSnapshot } from "./store/snapshot.js";
import { effectivenessSummary } from "./usage/effectiveness.js";
import { loadUsageFiles } from "./usage/usage-store.js";

function listings(
  paths: WorkspacePaths,
  snapshot: CompoundingSnapshot,
  kind: CompoundingItemKind,
): CompoundingItemListing[] {
  const latest = latestLifecycle(snapshot.lifecycle.map((e) => e.value));
  const effect = new Map(
    effectivenessSummary(loadUsageFiles(paths))
      .filter((row) => row.item_kind === kind)
      .map((row) => [row.item_id, row]),
  );
  const rows: CompoundingItemListing[] = [];
  const seen = new Set<string>();
  const push = (
    id: string,
    value: ReusableProcedure | ContextFact,
    status: RetrievalStatus,
    file: string,
  ) => {
    if (seen.has(id)) return;
    seen.add(id);
    rows.push({
      item_id: id,
      item_kind: kind,
      scope: value.scope,
      status,
      title: value.title,
      source_run_id: value.source_run_id,
      source_stage: value.source_stage,
      created_at: value.created_at,
      artifact_ref: toWorkspaceRelative(paths, file),
      effectiveness: effect.get(id) ?? null,
    });
  };
  if (kind === "procedure") {
    for (const { value, file } of snapshot.procedures)
      push(value.procedure_id, value, procedureStatus(value, latest), file);
  } else {
    for (const { value, file } of snapshot.facts) push(value.fact_id, value, factStatus(value, latest), file);
  }
  return rows.sort((a, b) => (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0));
}

/** Every procedure (run and workspace scope) with its retrieval status and effectiveness, by id. */
export function listProcedures(paths: WorkspacePaths): CompoundingItemListing[] {
  return listings(paths, loadCompoundingSnapshot(paths), "procedure");
}

/** Every context fact with its retrieval status and effectiveness, by id. */
export function listFacts(paths: WorkspacePaths): CompoundingItemListing[] {
  return listings(paths, loadCompoundingSnapshot(paths), "fact");
}

/** One item with its lifecycle history; compounding_item_not_found when absent. */
export function showItem(
  paths: WorkspacePaths,
  kind: CompoundingItemKind,
  id: string,
): CompoundingItemDetail {
  requireSafeId(id, `${kind} id`);
  const snapshot = loadCompoundingSnapshot(paths);
  const listing = listings(paths, snapshot, kind).find((row) => row.item_id === id);
  const item =
    kind === "procedure"
      ? snapshot.procedures.find((e) => e.value.procedure_id === id)?.value
      : snapshot.facts.find((e) => e.value.fact_id === id)?.value;
  if (!listing || !item) throw new MillraceError("compounding_item_not_found", `no ${kind} has the id ${id}`);
  const key = lifecycleKey(kind, id);
  const lifecycle = snapshot.lifecycle
    .map((e) => e.value)
    .filter((record) => keyOfRecord(record) === key)
    .sort((a, b) => (a.record_id < b.record_id ? -1 : 1));
  return { ...listing, item, lifecycle };
}

/** The `compounding` overview: counts per status, what awaits review, recent usage. */
export function compoundingSummary(paths: WorkspacePaths): CompoundingSummary {
  const snapshot = loadCompoundingSnapshot(paths);
  const count = (rows: CompoundingItemListing[]): CompoundingSummary["procedures"] => ({
    total: rows.length,
    run_candidates: rows.filter((r) => r.status === "run_candidate").length,
    eligible: rows.filter((r) => r.status === "eligible").length,
    pending: rows.filter((r) => r.status === "stale").length,
    deprecated: rows.filter((r) => r.status === "deprecated").length,
  });
  const procedures = listings(paths, snapshot, "procedure");
  const facts = listings(paths, snapshot, "fact");
  const problems: Parameters<typeof loadUsageFiles>[1] = [];
  const usage = loadUsageFiles(paths, problems);
  const latest = [...usage].sort((a, b) => (a.recorded_at < b.recorded_at ? -1 : 1)).at(-1);
  return {
    procedures: count(procedures),
    facts: count(facts),
    pending_governance_items: [...procedures, ...facts]
      .filter((r) => r.status === "stale")
      .map((r) => r.item_id),
    usage: {
      stage_runs: usage.length,
      injected_items: usage.reduce(
        (sum, file) => sum + file.records.filter((r) => r.disposition === "injected").length,
        0,
      ),
      latest_run_id: latest?.run_id ?? null,
    },
    unloadable_files: snapshot.problems.length + (problems?.length ?? 0),
  };
}
