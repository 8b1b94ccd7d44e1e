import { readFileSync } from "node:fs";
import path from "node:path";
import {
  type ActiveRunState,
  type CounterName,
  emptyRecoveryCounters,
  formatTimestamp,
  IDLE_MARKER,
  MillraceError,
  normalizeRuntimeSnapshot,
  type Plane,
  projectSnapshotFields,
  type RecoveryCounterEntry,
  type RecoveryCounters,
  RecoveryCountersSchema,
  type RuntimeSnapshot,
  RuntimeSnapshotSchema,
  type WorkItemKind,
} from "@millrace/contracts";
import { type WorkspacePaths, writeFileAtomicSync, writeJsonAtomicSync } from "@millrace/workspace";
import { ZodError } from "zod";
import { type CounterTotals, ZERO_COUNTERS } from "./counter-totals.js";

/** The marker a status file holds when it is unreadable or not a single `### TOKEN` line. */
export const INVALID_STATUS_MARKER = "### INVALID_STATUS_MARKER";

export function readJsonFile(file: string): unknown {
  return JSON.parse(readFileSync(file, "utf8"));
}

export function loadSnapshot(paths: WorkspacePaths): RuntimeSnapshot {
  try {
    return RuntimeSnapshotSchema.parse(readJsonFile(paths.snapshot));
  } catch (error) {
    throw stateFileError(paths.snapshot, error);
  }
}

function stateFileError(file: string, error: unknown): MillraceError {
  const detail =
    error instanceof ZodError
      ? `${error.issues[0]?.path.join(".") || "file"}: ${error.issues[0]?.message}`
      : (error as Error).message;
  return new MillraceError("engine_state_invalid", `${path.basename(file)} is unreadable: ${detail}`, {
    details: { file },
  });
}

export function saveSnapshot(
  paths: WorkspacePaths,
  snapshot: RuntimeSnapshot,
  now: Date,
  options: { durable?: boolean } = {},
): RuntimeSnapshot {
  const normalized = normalizeRuntimeSnapshot({ ...snapshot, updated_at: formatTimestamp(now) });
  writeJsonAtomicSync(paths.snapshot, normalized, options);
  return normalized;
}

/** The snapshot as saved at `now`, and the file's text (the format `saveSnapshot` writes). */
export function snapshotFileText(
  snapshot: RuntimeSnapshot,
  now: Date,
): { snapshot: RuntimeSnapshot; text: string } {
  const normalized = normalizeRuntimeSnapshot({ ...snapshot, updated_at: formatTimestamp(now) });
  return { snapshot: normalized, text: `${JSON.stringify(normalized, null, 2)}\n` };
}

export function loadCounters(paths: WorkspacePaths): RecoveryCounters {
  try {
    return RecoveryCountersSchema.parse(readJsonFile(paths.recoveryCounters));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyRecoveryCounters();
    throw stateFileError(paths.recoveryCounters, error);
  }
}

export function saveCounters(paths: WorkspacePaths, counters: RecoveryCounters): void {
  writeJsonAtomicSync(paths.recoveryCounters, counters);
}

export function readStatusMarker(paths: WorkspacePaths, plane: Plane): string {
  try {
    const text = readFileSync(paths.statusFiles[plane], "utf8");
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    if (lines.length !== 1) return INVALID_STATUS_MARKER;
    const line = (lines[0] ?? "").trim();
    return /^### [A-Z][A-Z0-9_]*$/.test(line) ? line : INVALID_STATUS_MARKER;
  } catch {
    return INVALID_STATUS_MARKER;
  }
}

/** Status files are derived from the snapshot (startup rewrites them), so they skip the fsync. */
export function writeStatusMarker(paths: WorkspacePaths, plane: Plane, marker: string): void {
  writeFileAtomicSync(paths.statusFiles[plane], `${marker}\n`, { durable: false });
}

/** Per-item totals across failure classes: budgets are per work item, whatever the failure class. */
export function counterTotals(
  counters: RecoveryCounters,
  kind: WorkItemKind | null,
  id: string | null,
): CounterTotals {
  if (!kind || !id) return ZERO_COUNTERS;
  const totals: Record<CounterName, number> = { ...ZERO_COUNTERS };
  for (const entry of counters.entries) {
    if (entry.work_item_kind !== kind || entry.work_item_id !== id) continue;
    totals.fix_cycle_count += entry.fix_cycle_count;
    totals.troubleshoot_attempt_count += entry.troubleshoot_attempt_count;
    totals.mechanic_attempt_count += entry.mechanic_attempt_count;
    totals.consultant_invocations += entry.consultant_invocations;
  }
  return totals;
}

/** Adds one to each named counter of the (failure class, kind, id) entry. */
export function incrementCounters(
  counters: RecoveryCounters,
  kind: WorkItemKind,
  id: string,
  failureClass: string,
  names: readonly CounterName[],
  now: Date,
): RecoveryCounters {
  if (names.length === 0) return counters;
  const entries = [...counters.entries];
  let index = entries.findIndex(
    (entry) =>
      entry.work_item_kind === kind && entry.work_item_id === id && entry.failure_class === failureClass,
  );
  if (index < 0) {
    entries.push({
      failure_class: failureClass,
      work_item_id: id,
      work_item_kind: kind,
      troubleshoot_attempt_count: 0,
      mechanic_attempt_count: 0,
      fix_cycle_count: 0,
      consultant_invocations: 0,
      last_updated_at: formatTimestamp(now),
    });
    index = entries.length - 1;
  }
  const entry = { ...(entries[index] as RecoveryCounterEntry), last_updated_at: formatTimestamp(now) };
  for (const name of names) entry[name] += 1;
  entries[index] = entry;
  return { ...counters, entries };
}

/** Zeroes the named counters in every entry of one work item. */
export function resetCounters(
  counters: RecoveryCounters,
  kind: WorkItemKind,
  id: string,
  names: readonly CounterName[],
): RecoveryCounters {
  if (names.length === 0) return counters;
  return {
    ...counters,
    entries: counters.entries.map((entry) => {
      if (entry.work_item_kind !== kind || entry.work_item_id !== id) return entry;
      const next = { ...entry };
      for (const name of names) next[name] = 0;
      return next;
    }),
  };
}

/** Drops every entry of one work item (forward progress: completed, blocked, handed off or retried). */
export function clearItemCounters(
  counters: RecoveryCounters,
  kind: WorkItemKind,
  id: string,
): RecoveryCounters {
  return {
    ...counters,
    entries: counters.entries.filter((entry) => entry.work_item_kind !== kind || entry.work_item_id !== id),
  };
}

/** The snapshot with one plane's run set (or removed with `undefined`). */
export function withActiveRun(
  snapshot: RuntimeSnapshot,
  plane: Plane,
  run: ActiveRunState | undefined,
): RuntimeSnapshot {
  const runs = { ...snapshot.active_runs_by_plane };
  if (run) runs[plane] = run;
  else delete runs[plane];
  // The legacy scalar `active_*` fields must follow, or loading would fold the old run back in.
  return projectSnapshotFields({ ...snapshot, active_runs_by_plane: runs });
}

export function withStatusMarker(snapshot: RuntimeSnapshot, plane: Plane, marker: string): RuntimeSnapshot {
  return { ...snapshot, status_markers_by_plane: { ...snapshot.status_markers_by_plane, [plane]: marker } };
}

/** The snapshot's aggregate counters mirror the foreground item's totals. */
export function withAggregateCounters(snapshot: RuntimeSnapshot, totals: CounterTotals): RuntimeSnapshot {
  return {
    ...snapshot,
    fix_cycle_count: totals.fix_cycle_count,
    troubleshoot_attempt_count: totals.troubleshoot_attempt_count,
    mechanic_attempt_count: totals.mechanic_attempt_count,
    consultant_invocations: totals.consultant_invocations,
  };
}

export function idleAllMarkers(snapshot: RuntimeSnapshot): RuntimeSnapshot {
  return {
    ...snapshot,
    status_markers_by_plane: { execution: IDLE_MARKER, planning: IDLE_MARKER, learning: IDLE_MARKER },
  };
}
