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
import { createFileExclusiveSync, writeFileAtomicSync } from "@millrace/workspace";
import { requireSafeId } from "./ids.js";
import type { CompoundingPaths } from "./paths.js";

/**
 * How the store's writes are made to last, and who is told of them. Without `journal`, each file is
 * flushed to disk on its own (file and folder fsync). A caller that journals its steps (the engine)
 * gives `journal`: the file is
 * written whole (temp file and rename) but not flushed, and its path and text go to `journal`,
 * whose flushed record rebuilds the file if a power loss takes it (docs/architecture.md).
 */
export interface StoreWrites {
  readonly journal?: (file: string, text: string) => void;
  /**
   * Told each file once it is in place (after `journal`): a cache of the store (openStoreCache's
   * `note`) takes the process's own writes in without listing their folder again.
   */
  readonly written?: (file: string) => void;
}

/** A store file as JSON (2-space indent, trailing newline), written atomically (see StoreWrites). */
function writeStoreJson(file: string, value: unknown, writes?: StoreWrites): void {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  writeFileAtomicSync(file, text, writes?.journal ? { durable: false } : undefined);
  writes?.journal?.(file, text);
  writes?.written?.(file);
}

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
  writes?: StoreWrites,
): string {
  const value = ReusableProcedureSchema.parse(procedure);
  const file = procedureFile(store, value, runFileName);
  mkdirSync(path.dirname(file), { recursive: true });
  writeStoreJson(file, value, writes);
  return file;
}

export function writeFact(store: CompoundingPaths, fact: ContextFact, writes?: StoreWrites): string {
  const value = ContextFactSchema.parse(fact);
  const file = factFile(store, value);
  mkdirSync(path.dirname(file), { recursive: true });
  writeStoreJson(file, value, writes);
  return file;
}

/**
 * Lifecycle records are append-only: created exclusively, never overwritten. Returns false when a
 * record with that id already exists.
 */
export function writeLifecycleRecord(
  store: CompoundingPaths,
  record: ProcedureLifecycleRecord,
  writes?: StoreWrites,
): boolean {
  const value = ProcedureLifecycleRecordSchema.parse(record);
  const file = path.join(store.lifecycle, `${requireSafeId(value.record_id, "lifecycle record id")}.json`);
  mkdirSync(store.lifecycle, { recursive: true });
  const text = `${JSON.stringify(value, null, 2)}\n`;
  const created = createFileExclusiveSync(file, text, writes?.journal ? { durable: false } : undefined);
  if (created) {
    writes?.journal?.(file, text);
    writes?.written?.(file);
  }
  return created;
}
