import type { QueueFolder } from "../layout.js";
import type { CachedEntry } from "./entries.js";
import {
  type EntryColumns,
  entryAt,
  nameAt,
  OPTIONAL_COLUMNS,
  OPTIONAL_KEYS,
  rowsInClaimOrder,
} from "./index-file.js";
import { ViewListing } from "./view.js";

function emptyColumns(): EntryColumns {
  return { size: [], mtime_ms: [], ino: [], id: [], title: [], timestamp: [] };
}

/** The key of a row: its file name without `.md` (the id itself for every well-named document). */
function keyOf(name: string): string {
  return name.slice(0, -3);
}

/**
 * The cached view of a finished-work (`done`) folder. Such a folder only grows with history, and
 * the runtime asks it one thing: whether a name is in it (a dependency is done, an id is taken).
 * So its entries are kept as the saved index keeps them, column by column, and no object is built
 * per document: a done task costs its id, title and time strings, three numbers and one map slot,
 * about half of an entry object with its fields (docs/performance.md, "Memory, ninth pass").
 * An entry asked for by name is built on the spot from its row.
 *
 * Rows stay in the order they were added (a listing sorts them); the map finds a row by its key.
 */
export class ArchiveView extends ViewListing {
  private cols: EntryColumns = emptyColumns();
  private readonly rows = new Map<string, number>();

  constructor(readonly folder: QueueFolder) {
    super();
  }

  get size(): number {
    return this.cols.id.length;
  }

  has(name: string): boolean {
    return this.rows.has(keyOf(name));
  }

  get(name: string): CachedEntry | undefined {
    const row = this.rows.get(keyOf(name));
    return row === undefined ? undefined : entryAt(this.cols, row);
  }

  *names(): IterableIterator<string> {
    for (let i = 0; i < this.cols.id.length; i += 1) yield nameAt(this.cols, i);
  }

  *all(): IterableIterator<readonly [string, CachedEntry]> {
    for (let i = 0; i < this.cols.id.length; i += 1) yield [nameAt(this.cols, i), entryAt(this.cols, i)];
  }

  errors(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const errors = this.cols.error;
    if (!errors) return out;
    for (let i = 0; i < errors.length; i += 1) {
      const error = errors[i];
      if (error !== null && error !== undefined) out.push([nameAt(this.cols, i), error]);
    }
    return out;
  }

  /** Seeds the view with saved columns (as readQueueIndex checked them); the view keeps them as they are. */
  seed(columns: EntryColumns): void {
    this.cols = columns;
    this.rows.clear();
    const { names, id } = columns;
    for (let i = 0; i < id.length; i += 1)
      this.rows.set(names ? keyOf(names[i] as string) : (id[i] as string), i);
  }

  columns(): EntryColumns {
    return this.cols;
  }

  set(name: string, entry: CachedEntry): void {
    const key = keyOf(name);
    const row = this.rows.get(key);
    const cols = this.cols;
    const at = row ?? cols.id.length;
    if (row === undefined) this.rows.set(entry.id === key ? entry.id : key, at);
    cols.size[at] = entry.size;
    cols.mtime_ms[at] = entry.mtime_ms;
    cols.ino[at] = entry.ino;
    cols.id[at] = entry.id;
    cols.title[at] = entry.title;
    cols.timestamp[at] = entry.timestamp;
    for (const column of OPTIONAL_KEYS) {
      const { absent } = OPTIONAL_COLUMNS[column];
      const value = column === "depends_on" && entry.depends_on.length === 0 ? null : entry[column];
      let values = cols[column] as unknown[] | undefined;
      if (values === undefined) {
        if (value === absent) continue;
        // The first row that differs from the default: the column starts, its earlier rows default.
        values = new Array<unknown>(cols.id.length).fill(absent);
        (cols as Record<string, unknown>)[column] = values;
      }
      values[at] = value;
    }
    if (cols.names) cols.names[at] = name;
    else if (name !== `${entry.id}.md`) {
      const names: string[] = [];
      for (let i = 0; i < cols.id.length; i += 1) names.push(i === at ? name : `${cols.id[i]}.md`);
      cols.names = names;
    }
  }

  delete(name: string): void {
    const key = keyOf(name);
    const at = this.rows.get(key);
    if (at === undefined) return;
    for (const values of this.columnArrays()) values.splice(at, 1);
    this.rows.delete(key);
    for (const [other, row] of this.rows) if (row > at) this.rows.set(other, row - 1);
  }

  /** Drops every row whose name is not in `present`; how many went. */
  prune(present: ReadonlySet<string>): number {
    const before = this.size;
    this.retain((key) => present.has(`${key}.md`));
    return before - this.size;
  }

  clear(): void {
    this.cols = emptyColumns();
    this.rows.clear();
  }

  ordered(): readonly string[] {
    return rowsInClaimOrder(this.cols).map((row) => nameAt(this.cols, row));
  }

  /** Keeps the rows whose key passes, in order, in one pass over the columns. */
  private retain(keep: (key: string) => boolean): void {
    const kept: number[] = [];
    for (const [key, row] of this.rows) if (keep(key)) kept.push(row);
    if (kept.length === this.size) return;
    kept.sort((a, b) => a - b);
    const cols = this.cols as unknown as Record<string, unknown>;
    for (const column of Object.keys(cols)) {
      const values = cols[column];
      if (Array.isArray(values)) cols[column] = kept.map((row) => values[row]);
    }
    this.seed(this.cols);
  }

  /** Every column of the view (a key the index file carried that is not a column is left alone). */
  private columnArrays(): unknown[][] {
    return (Object.values(this.cols) as unknown[]).filter((values): values is unknown[] =>
      Array.isArray(values),
    );
  }
}
