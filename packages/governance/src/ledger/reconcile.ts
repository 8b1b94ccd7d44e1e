import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  type ModelPrice,
  type StageResultEnvelope,
  StageResultEnvelopeSchema,
  type UsageLedgerEntry,
  type WorkItemKind,
} from "@millrace/contracts";
import { toWorkspaceRelative } from "@millrace/workspace";
import type { UsageLedger } from "./ledger.js";

export interface ReconcileOptions {
  readonly prices: Readonly<Record<string, ModelPrice>>;
  /** Session recorded on back-filled entries (the session doing the reconciliation). */
  readonly daemonSessionId: string | null;
  /** Looks up the lineage root of a work item, when the caller can (the queue store can). */
  readonly lineageOf?: (kind: WorkItemKind, id: string) => string | null;
  readonly now?: Date;
}

export interface ReconcileReport {
  readonly appended: UsageLedgerEntry[];
  /** Result files that are not valid stage results (left alone, never counted). */
  readonly invalid: string[];
}

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function readEnvelope(file: string): StageResultEnvelope | undefined {
  try {
    const parsed = StageResultEnvelopeSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Crash recovery and back-fill: every valid, token-bearing `runs/<run>/stage_results/*.json` whose
 * key the ledger does not hold yet is appended, oldest completion first. Results already counted
 * are skipped without being read, so a second pass appends nothing.
 */
export function reconcileLedger(ledger: UsageLedger, options: ReconcileOptions): ReconcileReport {
  const found: { file: string; envelope: StageResultEnvelope }[] = [];
  const invalid: string[] = [];
  for (const run of listNames(ledger.paths.runs)) {
    const resultsDir = path.join(ledger.paths.runs, run, "stage_results");
    for (const name of listNames(resultsDir)) {
      if (!name.endsWith(".json") || name.startsWith(".")) continue;
      const file = path.join(resultsDir, name);
      if (ledger.has(toWorkspaceRelative(ledger.paths, file))) continue;
      const envelope = readEnvelope(file);
      if (!envelope) invalid.push(toWorkspaceRelative(ledger.paths, file));
      else if (envelope.token_usage) found.push({ file, envelope });
    }
  }
  found.sort((a, b) => Date.parse(a.envelope.completed_at) - Date.parse(b.envelope.completed_at));
  const appended: UsageLedgerEntry[] = [];
  for (const { file, envelope } of found) {
    const kind = envelope.work_item_kind;
    const id = envelope.work_item_id;
    const lineageRootId = kind && id && options.lineageOf ? options.lineageOf(kind, id) : null;
    const entry = ledger.record(envelope, file, {
      prices: options.prices,
      daemonSessionId: options.daemonSessionId,
      lineageRootId,
      now: options.now,
    });
    if (entry) appended.push(entry);
  }
  return { appended, invalid };
}

/** Token-bearing results on disk the ledger has not counted yet (read-only: what a reconcile would add). */
export function uncountedResults(ledger: UsageLedger): string[] {
  const missing: string[] = [];
  for (const run of listNames(ledger.paths.runs)) {
    const resultsDir = path.join(ledger.paths.runs, run, "stage_results");
    for (const name of listNames(resultsDir)) {
      if (!name.endsWith(".json") || name.startsWith(".")) continue;
      const file = path.join(resultsDir, name);
      const key = toWorkspaceRelative(ledger.paths, file);
      if (!ledger.has(key) && readEnvelope(file)?.token_usage) missing.push(key);
    }
  }
  return missing;
}
