import type { CompoundingItemKind, CompoundingUsageFile, ItemEffectiveness } from "@millrace/contracts";

/** Per-item effectiveness over usage files, sorted by item id. Pure. */
export function effectivenessSummary(files: readonly CompoundingUsageFile[]): ItemEffectiveness[] {
  const byItem = new Map<
    string,
    {
      kind: CompoundingItemKind;
      injected: number;
      outcome: number;
      ok: number;
      first: number;
      skipped: number;
    }
  >();
  for (const file of files) {
    for (const record of file.records) {
      const key = `${record.item_kind}:${record.procedure_id}`;
      const row = byItem.get(key) ?? {
        kind: record.item_kind,
        injected: 0,
        outcome: 0,
        ok: 0,
        first: 0,
        skipped: 0,
      };
      byItem.set(key, row);
      if (record.disposition !== "injected") {
        row.skipped += 1;
        continue;
      }
      row.injected += 1;
      if (file.outcome === null) continue;
      row.outcome += 1;
      if (file.outcome.success) row.ok += 1;
      if (file.outcome.success && file.outcome.attempt === 1) row.first += 1;
    }
  }
  return [...byItem.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, row]) => ({
      item_id: key.slice(key.indexOf(":") + 1),
      item_kind: row.kind,
      injected: row.injected,
      with_outcome: row.outcome,
      succeeded: row.ok,
      succeeded_first_time: row.first,
      first_time_success_rate: row.outcome === 0 ? null : row.first / row.outcome,
      skipped: row.skipped,
    }));
}
