import { existsSync } from "node:fs";
import { formatTimestamp, type ProcedureLifecycleRecord, type ReusableProcedure } from "@millrace/contracts";
import { toWorkspaceRelative, type WorkspacePaths } from "@millrace/workspace";
import { nextRecordId } from "../lifecycle/records.js";
import { type RetrievalView, viewOf } from "../select/view.js";
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
  source: CompoundingSnapshot | RetrievalView,
  runId: string,
  milestone: FlushMilestone,
  changedAt: string,
): FlushPlan {
  const view = viewOf(source);
  const procedures: ReusableProcedure[] = [];
  const records: ProcedureLifecycleRecord[] = [];
  const alreadyFlushed: string[] = [];
  for (const { value, file } of view.runProcedures(runId)) {
    const id = workspaceProcedureId(value.procedure_id);
    const exists = view.hasWorkspaceProcedure(id);
    if (exists && view.hasLifecycle("procedure", id)) {
      alreadyFlushed.push(id);
      continue;
    }
    if (!exists) {
      const evidence = toWorkspaceRelative(view.workspacePaths, file);
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
   * The store as a caller's cache holds it (`openStoreCache(...).get({ runId })`), so a process
   * that flushes often does not read the whole store each time; read from disk when absent.
   */
  readonly store?: CompoundingSnapshot | RetrievalView;
  /** How the writes are made to last (see StoreWrites); each flushed on its own when absent. */
  readonly writes?: StoreWrites;
}

/**
 * Flushes a run's candidates to workspace scope. Idempotent; each file is written atomically, the
 * procedure before its record, so a kill in between is finished by the next flush.
 */
export function flushRunCandidates(paths: WorkspacePaths, options: FlushOptions): FlushResult {
  const view = viewOf(options.store ?? loadCompoundingSnapshot(paths));
  const changedAt = formatTimestamp(options.now ?? new Date());
  const plan = planFlush(view, options.runId, options.milestone, changedAt);
  for (const procedure of plan.procedures) {
    if (!existsSync(procedureFile(view.paths, procedure)))
      writeProcedure(view.paths, procedure, undefined, options.writes);
  }
  const flushed: string[] = [];
  for (const record of plan.records) {
    writeLifecycleRecord(view.paths, record, options.writes);
    flushed.push(record.procedure_id ?? "");
  }
  return { milestone: options.milestone, flushed, alreadyFlushed: plan.alreadyFlushed };
}
