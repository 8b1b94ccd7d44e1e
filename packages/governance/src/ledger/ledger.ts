import type { ModelPrice, StageResultEnvelope, UsageLedgerEntry } from "@millrace/contracts";
import { appendFileDurableSync, type WorkspacePaths } from "@millrace/workspace";
import { ledgerEntryFor } from "./entry.js";
import { dropTornTail, type LedgerProblem, readLedgerChunk } from "./ledger-file.js";

export interface RecordOptions {
  readonly daemonSessionId: string | null;
  readonly lineageRootId?: string | null;
  readonly prices: Readonly<Record<string, ModelPrice>>;
  readonly now?: Date;
}

/**
 * The usage ledger, `state/usage_governance_ledger.jsonl`: one line per token-bearing stage
 * result, keyed by the result's workspace-relative path so a result is counted once, ever.
 * Appends are fsync'd. Only the runtime owner writes it; readers call `refresh()` to pick up lines
 * appended since they opened it.
 */
export class UsageLedger {
  readonly file: string;
  readonly paths: WorkspacePaths;
  /** Every entry read or appended, oldest first; empty after `forgetEntries()`. */
  readonly entries: UsageLedgerEntry[] = [];
  readonly problems: LedgerProblem[] = [];
  private readonly keys = new Set<string>();
  private retain = true;
  private count = 0;
  private offset = 0;
  private lines = 0;
  private readonly listeners: ((entry: UsageLedgerEntry) => void)[] = [];

  private constructor(paths: WorkspacePaths) {
    this.paths = paths;
    this.file = paths.usageGovernanceLedger;
  }

  /**
   * Opens the ledger. `repair` (the writer's default) cuts a torn last line off the file: its result
   * is back-filled by the next `reconcile`, since its key was never recorded.
   */
  static open(paths: WorkspacePaths, options: { repair?: boolean } = {}): UsageLedger {
    const ledger = new UsageLedger(paths);
    const torn = ledger.refresh();
    if (torn > 0 && options.repair !== false) dropTornTail(ledger.file, ledger.offset);
    return ledger;
  }

  /** Reads lines appended since the last read; returns the size of a torn tail (0 when none). */
  refresh(): number {
    const chunk = readLedgerChunk(this.file, this.offset, this.lines + 1);
    this.offset = chunk.endOffset;
    this.lines += chunk.lines;
    this.problems.push(...chunk.problems);
    for (const entry of chunk.entries) this.accept(entry);
    return chunk.tornBytes;
  }

  /** Entries the ledger holds on disk (counted even after `forgetEntries()`). */
  get size(): number {
    return this.count;
  }

  /**
   * Stops keeping entries in memory. A long-running writer calls it once its running aggregates are
   * built: the entries themselves would grow with every stage ever counted (issue 19). `onEntry`
   * listeners and the dedupe keys keep working; a reader that needs the entries again opens the
   * ledger anew.
   */
  forgetEntries(): void {
    this.retain = false;
    this.entries.length = 0;
  }

  has(dedupeKey: string): boolean {
    return this.keys.has(dedupeKey);
  }

  /** Called for every entry the ledger holds from now on (read or appended). */
  onEntry(listener: (entry: UsageLedgerEntry) => void): void {
    this.listeners.push(listener);
  }

  /** Appends an entry unless its key is already counted; true when it was appended. */
  append(entry: UsageLedgerEntry): boolean {
    if (this.keys.has(entry.dedupe_key)) return false;
    const line = `${JSON.stringify(entry)}\n`;
    appendFileDurableSync(this.file, line);
    this.offset += Buffer.byteLength(line);
    this.lines += 1;
    this.accept(entry);
    return true;
  }

  /**
   * Counts one stage result. Returns the new entry, or undefined when the result carries no
   * token usage or is already counted.
   */
  record(
    envelope: StageResultEnvelope,
    resultPath: string,
    options: RecordOptions,
  ): UsageLedgerEntry | undefined {
    const entry = ledgerEntryFor(envelope, {
      paths: this.paths,
      resultPath,
      countedAt: options.now ?? new Date(),
      daemonSessionId: options.daemonSessionId,
      lineageRootId: options.lineageRootId ?? null,
      prices: options.prices,
    });
    if (!entry) return undefined;
    return this.append(entry) ? entry : undefined;
  }

  private accept(entry: UsageLedgerEntry): void {
    if (this.keys.has(entry.dedupe_key)) return;
    this.keys.add(entry.dedupe_key);
    this.count += 1;
    if (this.retain) this.entries.push(entry);
    for (const listener of this.listeners) listener(entry);
  }
}
