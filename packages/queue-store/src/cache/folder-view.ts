import type { QueueFolder } from "../layout.js";
import { type CachedEntry, compareEntries } from "./entries.js";
import { columnsOf, type EntryColumns, entryAt, nameAt } from "./index-file.js";
import { type QueueView, ViewListing } from "./view.js";

/**
 * The cached view of one open state folder (queue, active, blocked). Besides the entries it keeps
 * the names in claim order (timestamp, then id), built lazily and then kept up to date (binary
 * insertion, removal), so a claim looks at the front of the order instead of scanning every document.
 *
 * Seeded from the saved index, a view keeps the saved columns as they are until something needs an
 * entry object: a read-only listing (`queue ls`) and a save of an unchanged folder read the columns
 * and never build the 10,000 entries a large queue would take.
 */
export class FolderView extends ViewListing implements QueueView {
  private readonly map = new Map<string, CachedEntry>();
  /** The saved columns this view was seeded with, while no entry has been built from them. */
  private seeded: EntryColumns | undefined;
  private order: string[] | undefined;

  constructor(readonly folder: QueueFolder) {
    super();
  }

  get entries(): ReadonlyMap<string, CachedEntry> {
    this.materialize();
    return this.map;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  get(name: string): CachedEntry | undefined {
    return this.entries.get(name);
  }

  names(): Iterable<string> {
    return this.entries.keys();
  }

  all(): Iterable<readonly [string, CachedEntry]> {
    return this.entries;
  }

  errors(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [name, entry] of this.entries) if (entry.error !== null) out.push([name, entry.error]);
    return out;
  }

  prune(present: ReadonlySet<string>): number {
    let removed = 0;
    for (const name of [...this.entries.keys()]) {
      if (present.has(name)) continue;
      this.delete(name);
      removed += 1;
    }
    return removed;
  }

  get size(): number {
    return this.seeded ? this.seeded.id.length : this.map.size;
  }

  seed(columns: EntryColumns): void {
    this.clear();
    this.seeded = columns;
  }

  /**
   * The entries as columns: the seeded ones as they are, else built from the entries in claim
   * order, so that the saved index is already sorted and a listing from it sorts a sorted run.
   */
  columns(): EntryColumns {
    return this.seeded ?? columnsOf(this.map, this.ordered());
  }

  private materialize(): void {
    const columns = this.seeded;
    if (!columns) return;
    this.seeded = undefined;
    for (let i = 0; i < columns.id.length; i += 1) this.map.set(nameAt(columns, i), entryAt(columns, i));
  }

  set(name: string, entry: CachedEntry): void {
    this.materialize();
    const previous = this.map.get(name);
    this.map.set(name, entry);
    if (!this.order) return;
    if (previous && compareEntries(previous, entry) === 0) return;
    if (previous) {
      this.order = undefined; // moved within the order: rebuild on next read
      return;
    }
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.map.get(this.order[mid] as string);
      if (other && compareEntries(other, entry) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.order.splice(lo, 0, name);
  }

  delete(name: string): void {
    this.materialize();
    if (this.map.delete(name) && this.order) {
      // Claims remove names near the front, so this search is short in the common case.
      const index = this.order.indexOf(name);
      if (index >= 0) this.order.splice(index, 1);
    }
  }

  clear(): void {
    this.seeded = undefined;
    this.map.clear();
    this.order = undefined;
  }

  ordered(): readonly string[] {
    this.materialize();
    if (!this.order) {
      this.order = [...this.map.keys()].sort((a, b) =>
        compareEntries(this.map.get(a) as CachedEntry, this.map.get(b) as CachedEntry),
      );
    }
    return this.order;
  }
}
