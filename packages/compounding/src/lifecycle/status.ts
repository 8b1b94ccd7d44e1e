import {
  type CompoundingItemKind,
  type ContextFact,
  type ProcedureLifecycleRecord,
  type RetrievalStatus,
  type ReusableProcedure,
  timestampSortKey,
} from "@millrace/contracts";

/** The key a lifecycle record governs: `procedure:<id>` or `fact:<id>`. */
export function lifecycleKey(kind: CompoundingItemKind, id: string): string {
  return `${kind}:${id}`;
}

export function keyOfRecord(record: ProcedureLifecycleRecord): string {
  return record.procedure_id !== null
    ? lifecycleKey("procedure", record.procedure_id)
    : lifecycleKey("fact", record.fact_id ?? "");
}

/** Latest record per item: by `changed_at`, then by record id (ids carry a zero-padded sequence). */
export function latestLifecycle(
  records: Iterable<ProcedureLifecycleRecord>,
): Map<string, ProcedureLifecycleRecord> {
  const latest = new Map<string, ProcedureLifecycleRecord>();
  for (const record of records) {
    const key = keyOfRecord(record);
    const current = latest.get(key);
    if (!current || laterThan(record, current)) latest.set(key, record);
  }
  return latest;
}

/**
 * The latest record per item of a loaded lifecycle list, folded once per list: a cache's snapshots
 * share the list while the lifecycle folder did not change, so a new snapshot (a run's folder
 * changed) does not fold every record again.
 */
const latestByList = new WeakMap<object, ReadonlyMap<string, ProcedureLifecycleRecord>>();

export function latestLifecycleOf(
  entries: readonly { readonly value: ProcedureLifecycleRecord }[],
): ReadonlyMap<string, ProcedureLifecycleRecord> {
  let latest = latestByList.get(entries);
  if (!latest) {
    latest = latestLifecycle(entries.map((entry) => entry.value));
    latestByList.set(entries, latest);
  }
  return latest;
}

function laterThan(a: ProcedureLifecycleRecord, b: ProcedureLifecycleRecord): boolean {
  const ta = timestampSortKey(a.changed_at);
  const tb = timestampSortKey(b.changed_at);
  if (ta !== tb) return ta > tb;
  return a.record_id > b.record_id;
}

/** Run scope → run_candidate; workspace: promoted → eligible, deprecated → deprecated, else stale (pending review). */
export function procedureStatus(
  procedure: ReusableProcedure,
  latest: ReadonlyMap<string, ProcedureLifecycleRecord>,
): RetrievalStatus {
  if (procedure.scope === "run") return "run_candidate";
  return statusOfState(latest.get(lifecycleKey("procedure", procedure.procedure_id))?.state);
}

/** A fact's latest lifecycle record wins over the state written in the fact itself. */
export function factStatus(
  fact: ContextFact,
  latest: ReadonlyMap<string, ProcedureLifecycleRecord>,
): RetrievalStatus {
  if (fact.scope === "run") return "run_candidate";
  const record = latest.get(lifecycleKey("fact", fact.fact_id));
  return statusOfState(record?.state ?? fact.lifecycle_state);
}

function statusOfState(state: string | undefined): RetrievalStatus {
  if (state === "promoted") return "eligible";
  if (state === "deprecated") return "deprecated";
  return "stale";
}
