import { existsSync } from "node:fs";
import {
  formatTimestamp,
  type ProcedureLifecycleRecord,
  type ReusableProcedure,
  timestampSortKey,
} from "@millrace/contracts";
import { toWorkspaceRelative, type WorkspacePaths } from "@millrace/workspace";
import { nextRecordId } from "../lifecycle/records.js";
import { latestLifecycleOf, lifecycleKey } from "../lifecycle/status.js";
import { workspaceProcedureId } from "../store/ids.js";
import { type CompoundingSnapshot, loadCompoundingSnapshot } from "../store/snapshot.js";
import { procedureFile, type StoreWrites, writeLifecycleRecord, writeProcedure } from "../store/write.js";
import type { FlushMilestone } from "./transitions.js";

export interface FlushPlan {
  /** Workspace copies to write (their candidate record follows each). */
  readonly procedures: readonly ReusableProcedure[];
  readonly records: readonly ProcedureLifecycleRecord[];
  /** Workspace ids already flushed (nothing to do). */
  readonly alreadyFlushed: readonly string[];
}

/**
 * What flushing a run's candidates would write: each run-scoped procedure of the run gets a
 * workspace copy (`proc.workspace.…`) and a `candidate` lifecycle record changed by
 * `runtime.compounding.<milestone>`. An item whose copy exists but whose record is missing (a
 * flush killed halfway) only gets the record. Pure over the snapshot.
 */
export function planFlush(
  snapshot: CompoundingSnapshot,
  runId: string,
  milestone: FlushMilestone,
  changedAt: string,
): FlushPlan {
  const workspaceIds = new Set(
    snapshot.procedures.filter((p) => p.value.scope === "workspace").map((p) => p.value.procedure_id),
  );
  const latest = latestLifecycleOf(snapshot.lifecycle);
  const runCandidates = snapshot.procedures
    .filter((entry) => entry.value.scope === "run" && entry.value.source_run_id === runId)
    .sort((a, b) => compareCreated(a.value, b.value));
  const procedures: ReusableProcedure[] = [];
  const records: ProcedureLifecycleRecord[] = [];
  const alreadyFlushed: string[] = [];
  for (const { value, file } of runCandidates) {
    const id = workspaceProcedureId(value.procedure_id);
    const exists = workspaceIds.has(id);
    if (exists && latest.has(lifecycleKey("procedure", id))) {
      alreadyFlushed.push(id);
      continue;
    }
    if (!exists) {
      const evidence = toWorkspaceRelative(snapshot.workspacePaths, file);
      procedures.push({
        ...value,
        procedure_id: id,
        scope: "workspace",
        evidence_refs: [...new Set([...value.evidence_refs, evidence])],
      });
    }
    records.push({
      record_id: nextRecordId("procedure", id, []),
      procedure_id: id,
      fact_id: null,
      state: "candidate",
      scope: "workspace",
      changed_at: changedAt,
      changed_by: `runtime.compounding.${milestone}`,
      reason: `flushed from run ${runId} at ${milestone}`,
      replacement_procedure_id: null,
    });
  }
  return { procedures, records, alreadyFlushed };
}

function compareCreated(a: ReusableProcedure, b: ReusableProcedure): number {
  const ta = timestampSortKey(a.created_at);
  const tb = timestampSortKey(b.created_at);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.procedure_id < b.procedure_id ? -1 : a.procedure_id > b.procedure_id ? 1 : 0;
}

export interface FlushResult {
  readonly milestone: FlushMilestone;
  /** Workspace procedure ids that now have a candidate record from this flush. */
  readonly flushed: readonly string[];
  readonly alreadyFlushed: readonly string[];
}

export interface FlushOptions {
  readonly runId: string;
  readonly milestone: FlushMilestone;
  readonly now?: Date;
  /**
   * The store as a caller's cache holds it (`openSnapshotCache(...).get({ runId })`), so a process
   * that flushes often does not read the whole store each time; read from disk when absent.
   */
  readonly snapshot?: CompoundingSnapshot;
  /** How the writes are made to last (see StoreWrites); each flushed on its own when absent. */
  readonly writes?: StoreWrites;
}

/**
 * Flushes a run's candidates to workspace scope. Idempotent; each file is written atomically, the
 * procedure before its record, so a kill in between is finished by the next flush.
 */
export function flushRunCandidates(paths: WorkspacePaths, options: FlushOptions): FlushResult {
  const snapshot = options.snapshot ?? loadCompoundingSnapshot(paths);
  const changedAt = formatTimestamp(options.now ?? new Date());
  const plan = planFlush(snapshot, options.runId, options.milestone, changedAt);
  for (const procedure of plan.procedures) {
    if (!existsSync(procedureFile(snapshot.paths, procedure)))
      writeProcedure(snapshot.paths, procedure, undefined, options.writes);
  }
  const flushed: string[] = [];
  for (const record of plan.records) {
    writeLifecycleRecord(snapshot.paths, record, options.writes);
    flushed.push(record.procedure_id ?? "");
  }
  return { milestone: options.milestone, flushed, alreadyFlushed: plan.alreadyFlushed };
}
