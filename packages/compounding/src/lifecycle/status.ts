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

/** A lifecycle state as a retrieval status: promoted → eligible, deprecated → deprecated, else stale. */
export function statusOfState(state: string | null | undefined): Exclude<RetrievalStatus, "run_candidate"> {
  if (state === "promoted") return "eligible";
  if (state === "deprecated") return "deprecated";
  return "stale";
}
