import type { QueueFolder } from "../layout.js";
import type { CachedEntry } from "./entries.js";
import type { EntryColumns } from "./index-file.js";

/** When a view's entries last matched its folder on disk. */
export class ViewListing {
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
}

/**
 * The cached entries of one queue state folder, by file name. Open folders keep an entry object
 * per document (FolderView); finished-work folders keep the index's columns (ArchiveView).
 */
export interface QueueView extends ViewListing {
  readonly folder: QueueFolder;
  readonly size: number;
  has(name: string): boolean;
  get(name: string): CachedEntry | undefined;
  names(): Iterable<string>;
  /** Every entry with its file name (an archive builds each one as it is reached). */
  all(): Iterable<readonly [string, CachedEntry]>;
  /** The entries that could not be read, as [file name, why]. */
  errors(): Array<[string, string]>;
  set(name: string, entry: CachedEntry): void;
  delete(name: string): void;
  /** Drops every entry whose name is not in `present`; returns how many went. */
  prune(present: ReadonlySet<string>): number;
  clear(): void;
  /** Seeds the view with saved columns (as readQueueIndex checked them: equal lengths, safe names). */
  seed(columns: EntryColumns): void;
  /** The entries as the saved index keeps them. */
  columns(): EntryColumns;
  /** Names in claim order (oldest timestamp first, then id). */
  ordered(): readonly string[];
}
