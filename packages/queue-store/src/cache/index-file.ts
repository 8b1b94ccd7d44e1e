import { type QueueIndex, type QueueIndexFolder, SAFE_ID_PATTERN } from "@millrace/contracts";
import { readRegularFile, writeFileAtomicSync } from "@millrace/workspace";
import { isDocumentName } from "../layout.js";
import { type CachedEntry, timeKey } from "./entries.js";

/** A folder's saved columns (`QueueIndexFolder` without its listing facts). */
export type EntryColumns = Omit<QueueIndexFolder, "dir_mtime_ns" | "listed_at_ms">;

/**
 * Column checks, one loop per value type: the index is checked once per cold process, and a typed
 * loop runs several times faster there than a check function called per value.
 */
type ColumnCheck = (column: unknown[]) => boolean;
const texts: ColumnCheck = (column) => {
  for (let i = 0; i < column.length; i += 1) if (typeof column[i] !== "string") return false;
  return true;
};
const textsOrNull: ColumnCheck = (column) => {
  for (let i = 0; i < column.length; i += 1) {
    const value = column[i];
    if (value !== null && typeof value !== "string") return false;
  }
  return true;
};
const numbers: ColumnCheck = (column) => {
  for (let i = 0; i < column.length; i += 1) if (typeof column[i] !== "number") return false;
  return true;
};
const sizes: ColumnCheck = (column) => {
  for (let i = 0; i < column.length; i += 1) {
    const value = column[i];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) return false;
  }
  return true;
};
const flags: ColumnCheck = (column) => {
  for (let i = 0; i < column.length; i += 1) if (typeof column[i] !== "boolean") return false;
  return true;
};
const dependencyLists: ColumnCheck = (column) => {
  for (let i = 0; i < column.length; i += 1) {
    const value = column[i];
    if (value !== null && !(Array.isArray(value) && texts(value))) return false;
  }
  return true;
};

const REQUIRED_CHECKS: ReadonlyArray<[string, ColumnCheck]> = [
  ["size", sizes],
  ["mtime_ms", numbers],
  ["ino", numbers],
  ["id", texts],
  ["title", texts],
  ["timestamp", texts],
];
/**
 * The columns that may be left out: each with the value every entry then has (an empty dependency
 * list is saved as `null`) and its check.
 */
export const OPTIONAL_COLUMNS = {
  depends_on: { absent: null, check: dependencyLists },
  root_spec_id: { absent: null, check: textsOrNull },
  root_idea_id: { absent: null, check: textsOrNull },
  spec_id: { absent: null, check: textsOrNull },
  is_root_spec: { absent: false, check: flags },
  error: { absent: null, check: textsOrNull },
} as const;
type OptionalColumn = keyof typeof OPTIONAL_COLUMNS;
export const OPTIONAL_KEYS = Object.keys(OPTIONAL_COLUMNS) as OptionalColumn[];

/** A file name a folder listing keeps (isDocumentName) that stays inside its folder. */
const FILE_NAME = /^(?!\.)[^/\u0000]+$/;

function isColumn(value: unknown, length: number, check: ColumnCheck): boolean {
  return Array.isArray(value) && value.length === length && check(value);
}

/**
 * A structural check of a saved index, as QueueIndexSchema judges it but without building the
 * schema (that would be the only zod work of a cold `queue ls`). The index is our own cache and every
 * folder in it is re-validated against the disk, so a check that keeps a corrupt or hand-edited file
 * from crashing the reader or naming a path outside its folder is enough; anything odd discards the
 * whole index. (A hand-edited index whose folder mtimes still match can mislead a listing, as any
 * cache can; it cannot lead a file operation out of the queue folders.)
 */
function looksLikeIndex(raw: unknown): raw is QueueIndex {
  const header = raw as { schema_version?: unknown; kind?: unknown } | null;
  if (typeof header !== "object" || header === null || Array.isArray(header)) return false;
  if (header.schema_version !== "2.0" || header.kind !== "queue_index") return false;
  const folders = (raw as { folders?: unknown }).folders;
  if (typeof folders !== "object" || folders === null || Array.isArray(folders)) return false;
  // for...in over own keys (JSON.parse makes no inherited ones).
  for (const key in folders) {
    if (!looksLikeFolder((folders as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function looksLikeFolder(value: unknown): boolean {
  const folder = value as Partial<Record<string, unknown>> | null;
  if (typeof folder !== "object" || folder === null || Array.isArray(folder)) return false;
  if (typeof folder.dir_mtime_ns !== "string" || !/^-?\d+$/.test(folder.dir_mtime_ns)) return false;
  if (typeof folder.listed_at_ms !== "number" || !Array.isArray(folder.id)) return false;
  const length = folder.id.length;
  for (const [key, check] of REQUIRED_CHECKS) if (!isColumn(folder[key], length, check)) return false;
  for (const key of OPTIONAL_KEYS) {
    if (folder[key] !== undefined && !isColumn(folder[key], length, OPTIONAL_COLUMNS[key].check))
      return false;
  }
  const names = folder.names;
  if (names !== undefined) {
    const fileNames: ColumnCheck = (column) =>
      column.every((name) => typeof name === "string" && isDocumentName(name) && FILE_NAME.test(name));
    if (!isColumn(names, length, fileNames)) return false;
  }
  const ids = folder.id as string[];
  const errors = folder.error as Array<string | null> | undefined;
  for (let i = 0; i < length; i += 1) {
    const id = ids[i] as string;
    if (SAFE_ID_PATTERN.test(id)) continue;
    // An entry that did not parse carries its file name as its id: any name the folder could hold.
    if ((errors?.[i] ?? null) === null || (names === undefined && !FILE_NAME.test(id))) return false;
  }
  return true;
}

/**
 * The saved index's size cap: about 90 bytes a document, so room for over half a million. A larger
 * file is no index (the folders are listed instead), not an allocation the workspace can force.
 */
export const MAX_QUEUE_INDEX_BYTES = 64 * 1024 * 1024;

/**
 * The saved index, or undefined when it is missing, not a regular file (a link is not followed),
 * over its cap, not UTF-8 or malformed: it is only a cache.
 */
export function readQueueIndex(indexFile: string): QueueIndex | undefined {
  const read = readRegularFile(indexFile, { maxBytes: MAX_QUEUE_INDEX_BYTES });
  if (read.kind !== "ok") return undefined;
  try {
    const raw = JSON.parse(read.text) as unknown;
    return looksLikeIndex(raw) ? raw : undefined;
  } catch {
    return undefined;
  }
}

export function writeQueueIndex(indexFile: string, folders: QueueIndex["folders"]): void {
  const index: QueueIndex = { schema_version: "2.0", kind: "queue_index", folders };
  // Not fsync'd: the index is a cache checked against the folders on every use, and a copy a power
  // loss left empty or cut is discarded by readQueueIndex (the folders are listed again).
  writeFileAtomicSync(indexFile, JSON.stringify(index), { durable: false });
}

/** The file name of entry `i`: `<id>.md` unless the folder saved names of its own. */
export function nameAt(columns: EntryColumns, i: number): string {
  return columns.names ? (columns.names[i] as string) : `${columns.id[i]}.md`;
}

/** Entry `i` of a folder's columns, as the cache keeps it. */
export function entryAt(columns: EntryColumns, i: number): CachedEntry {
  return {
    size: columns.size[i] as number,
    mtime_ms: columns.mtime_ms[i] as number,
    ino: columns.ino[i] as number,
    id: columns.id[i] as string,
    title: columns.title[i] as string,
    timestamp: columns.timestamp[i] as string,
    depends_on: columns.depends_on?.[i] ?? [],
    root_spec_id: columns.root_spec_id?.[i] ?? null,
    root_idea_id: columns.root_idea_id?.[i] ?? null,
    spec_id: columns.spec_id?.[i] ?? null,
    is_root_spec: columns.is_root_spec?.[i] ?? false,
    error: columns.error?.[i] ?? null,
  };
}

/**
 * The columns of a set of entries, in the order of `names` (default: the map's), optional columns
 * left out where every value is the default.
 */
export function columnsOf(
  entries: ReadonlyMap<string, CachedEntry>,
  order: Iterable<string> = entries.keys(),
): EntryColumns {
  const columns: EntryColumns = { size: [], mtime_ms: [], ino: [], id: [], title: [], timestamp: [] };
  const names: string[] = [];
  let ownNames = false;
  const optional = Object.fromEntries(OPTIONAL_KEYS.map((key) => [key, [] as unknown[]])) as Record<
    OptionalColumn,
    unknown[]
  >;
  const used = new Set<OptionalColumn>();
  for (const name of order) {
    const entry = entries.get(name);
    if (entry === undefined) continue;
    names.push(name);
    if (name !== `${entry.id}.md`) ownNames = true;
    columns.size.push(entry.size);
    columns.mtime_ms.push(entry.mtime_ms);
    columns.ino.push(entry.ino);
    columns.id.push(entry.id);
    columns.title.push(entry.title);
    columns.timestamp.push(entry.timestamp);
    for (const key of OPTIONAL_KEYS) {
      let value: unknown = entry[key];
      if (key === "depends_on" && entry.depends_on.length === 0) value = null;
      if (value !== OPTIONAL_COLUMNS[key].absent) used.add(key);
      optional[key].push(value);
    }
  }
  for (const key of used) (columns as Record<string, unknown>)[key] = optional[key];
  if (ownNames) columns.names = names;
  return columns;
}

/** Whole-second UTC (`2026-01-01T00:00:00Z`): such stamps sort as their time keys do. */
function isWholeSecondUtc(stamp: string): boolean {
  return stamp.length === 20 && stamp.charCodeAt(19) === 90 /* Z */ && stamp.indexOf(".") === -1;
}

/**
 * The claim-order keys of a folder's timestamps. When every one is a whole-second UTC stamp, the
 * stamps themselves compare as their keys would, and no key is built. (Not the memoised sortKeyOf:
 * a one-off sort of 10,000 rows gains nothing from the memo.)
 */
function sortKeys(timestamps: readonly string[]): readonly string[] {
  for (const stamp of timestamps) if (!isWholeSecondUtc(stamp)) return timestamps.map(timeKey);
  return timestamps;
}

/** The row numbers of a folder's columns in claim order: oldest timestamp first, then id. */
export function rowsInClaimOrder(columns: EntryColumns): number[] {
  const { id, timestamp } = columns;
  const keys = sortKeys(timestamp);
  return id
    .map((_, i) => i)
    .sort((a, b) => {
      const ka = keys[a] as string;
      const kb = keys[b] as string;
      if (ka !== kb) return ka < kb ? -1 : 1;
      return (id[a] as string) < (id[b] as string) ? -1 : 1;
    });
}
