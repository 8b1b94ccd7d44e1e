import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { CompoundingSelection } from "@millrace/contracts";
import {
  type CompoundingUsageFile,
  CompoundingUsageFileSchema,
  formatTimestamp,
  type ProcedureUsageRecord,
} from "@millrace/contracts";
import { type WorkspacePaths, writeJsonAtomicSync } from "@millrace/workspace";
import { requireSafeId } from "../store/ids.js";
import { compoundingPaths } from "../store/paths.js";
import { foldersIn, jsonFilesIn, readTolerant, type UnloadableFile } from "../store/read-json.js";

function usageFile(paths: WorkspacePaths, runId: string, requestId: string): string {
  return path.join(
    compoundingPaths(paths).usage,
    requireSafeId(runId, "run id"),
    `${requireSafeId(requestId, "request id")}.json`,
  );
}

export interface RecordInjectionInput {
  readonly selection: CompoundingSelection;
  /** The stage request the selection went into: one usage file per request. */
  readonly requestId: string;
  readonly now?: Date;
}

/**
 * Records which items a stage was given (`injected`) and which it was considered for but not given
 * (`skipped`, with the reason). Returns the file written, or null when nothing was considered.
 * Re-recording the same request replaces the file but keeps an outcome already recorded.
 */
export function recordInjection(paths: WorkspacePaths, input: RecordInjectionInput): string | null {
  const { selection } = input;
  const at = formatTimestamp(input.now ?? new Date());
  const considered = [...selection.procedures.considered, ...selection.facts.considered];
  if (considered.length === 0) return null;
  const records: ProcedureUsageRecord[] = considered.map((item) => ({
    usage_id: `${input.requestId}.${item.item_id}`,
    procedure_id: item.item_id,
    item_kind: item.item_kind,
    run_id: selection.run_id,
    stage: selection.stage,
    disposition: item.decision === "selected" || item.decision === "truncated" ? "injected" : "skipped",
    recorded_at: at,
    reason: item.decision,
    execution_ref: input.requestId,
  }));
  const file = usageFile(paths, selection.run_id, input.requestId);
  const previous = readTolerant(file, CompoundingUsageFileSchema, "usage");
  const value: CompoundingUsageFile = {
    schema_version: "1.0",
    kind: "compounding_usage",
    run_id: selection.run_id,
    request_id: input.requestId,
    stage: selection.stage,
    recorded_at: at,
    records,
    outcome: previous.ok ? previous.value.outcome : null,
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomicSync(file, value);
  return file;
}

export interface InjectionOutcomeInput {
  readonly runId: string;
  readonly requestId: string;
  readonly terminalResult: string;
  /** The stage's result class was a success (e.g. BUILDER_COMPLETE, CHECKER_PASS). */
  readonly success: boolean;
  /** 1 when this was the stage's first try on its work item. Default 1. */
  readonly attempt?: number;
  readonly now?: Date;
}

/**
 * Records how the stage that received an injection ended. Returns false when that stage was given
 * nothing (no usage file) or its outcome is already recorded (first outcome wins: replay-safe).
 */
export function recordInjectionOutcome(paths: WorkspacePaths, input: InjectionOutcomeInput): boolean {
  const file = usageFile(paths, input.runId, input.requestId);
  if (!existsSync(file)) return false;
  const read = readTolerant(file, CompoundingUsageFileSchema, "usage");
  if (!read.ok || read.value.outcome !== null) return false;
  const value: CompoundingUsageFile = {
    ...read.value,
    outcome: {
      terminal_result: input.terminalResult,
      success: input.success,
      attempt: input.attempt ?? 1,
      recorded_at: formatTimestamp(input.now ?? new Date()),
    },
  };
  writeJsonAtomicSync(file, value);
  return true;
}

/** Every usage file that loads, oldest run folder first; bad files go to `problems`. */
export function loadUsageFiles(
  paths: WorkspacePaths,
  problems: UnloadableFile[] = [],
): CompoundingUsageFile[] {
  const root = compoundingPaths(paths).usage;
  const out: CompoundingUsageFile[] = [];
  for (const run of foldersIn(root)) {
    for (const file of jsonFilesIn(path.join(root, run))) {
      const read = readTolerant(file, CompoundingUsageFileSchema, "usage");
      if (read.ok) out.push(read.value);
      else problems.push(read.problem);
    }
  }
  return out;
}
