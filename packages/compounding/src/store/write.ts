import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  type ContextFact,
  ContextFactSchema,
  type ProcedureLifecycleRecord,
  ProcedureLifecycleRecordSchema,
  type ReusableProcedure,
  ReusableProcedureSchema,
} from "@millrace/contracts";
import { createFileExclusiveSync, writeJsonAtomicSync } from "@millrace/workspace";
import { requireSafeId } from "./ids.js";
import type { CompoundingPaths } from "./paths.js";

/** Where a procedure lives: `procedures/<id>.json`, or `procedures/<run_id>/<file name>` for run scope. */
export function procedureFile(
  store: CompoundingPaths,
  procedure: ReusableProcedure,
  runFileName?: string,
): string {
  if (procedure.scope === "workspace") {
    return path.join(store.procedures, `${requireSafeId(procedure.procedure_id, "procedure id")}.json`);
  }
  const name = runFileName ?? `${procedure.procedure_id}.json`;
  requireSafeId(name, "procedure file name");
  return path.join(store.procedures, requireSafeId(procedure.source_run_id, "run id"), name);
}

export function factFile(store: CompoundingPaths, fact: ContextFact): string {
  const name = `${requireSafeId(fact.fact_id, "fact id")}.json`;
  return fact.scope === "workspace"
    ? path.join(store.contextFacts, name)
    : path.join(store.contextFacts, requireSafeId(fact.source_run_id, "run id"), name);
}

/** Validates, then writes atomically (temp file, fsync, rename). Returns the path. */
export function writeProcedure(
  store: CompoundingPaths,
  procedure: ReusableProcedure,
  runFileName?: string,
): string {
  const value = ReusableProcedureSchema.parse(procedure);
  const file = procedureFile(store, value, runFileName);
  mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomicSync(file, value);
  return file;
}

export function writeFact(store: CompoundingPaths, fact: ContextFact): string {
  const value = ContextFactSchema.parse(fact);
  const file = factFile(store, value);
  mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomicSync(file, value);
  return file;
}

/**
 * Lifecycle records are append-only: created exclusively, never overwritten. Returns false when a
 * record with that id already exists.
 */
export function writeLifecycleRecord(store: CompoundingPaths, record: ProcedureLifecycleRecord): boolean {
  const value = ProcedureLifecycleRecordSchema.parse(record);
  const file = path.join(store.lifecycle, `${requireSafeId(value.record_id, "lifecycle record id")}.json`);
  mkdirSync(store.lifecycle, { recursive: true });
  return createFileExclusiveSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
