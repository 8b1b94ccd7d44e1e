import type { QueueFolder } from "../layout.js";
import { type CachedEntry, compareEntries } from "./entries.js";
import { columnsOf, type EntryColumns, entryAt, nameAt } from "./index-file.js";

/**
 * The cached view of one state folder. Besides the entries it keeps the names in claim order
 * (timestamp, then id), built lazily and then kept up to date (binary insertion, removal), so a
 * claim looks at the front of the order instead of scanning every document.
 *
 * Seeded from the saved index, a view keeps the saved columns as they are until something needs an
 * entry object: a read-only listing (`queue ls`) and a save of an unchanged folder read the columns
 * and never build the 10,000 entries a large queue would take.
 */
export class FolderView {
  private readonly map = new Map<string, CachedEntry>();
  /** The saved columns this view was seeded with, while no entry has been built from them. */
  private seeded: EntryColumns | undefined;
  private order: string[] | undefined;
  /** Directory mtime (ns) at which the entries matched the folder; -1 when never listed. */
  dirMtimeNs = -1n;
  /** Wall-clock ms of the last full listing. */
  listedAtMs = 0;
  synced = false;
  /**
   * Whether the saved index holds a listing of this folder that a later process will trust (taken
   * well after the folder's last change). When a re-list makes one trustworthy, the index is worth
   * saving again even though no entry changed: otherwise every read-only process re-lists.
   */
  savedTrusted = false;

  constructor(readonly folder: QueueFolder) {}

  get entries(): ReadonlyMap<string, CachedEntry> {
    this.materialize();
    return this.map;
  }

  get size(): number {
    return this.seeded ? this.seeded.id.length : this.map.size;
  }

  /** Seeds the view with saved columns (as readQueueIndex checked them: equal lengths, safe names). */
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

  /** Names in claim order (oldest first, then id). */
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
