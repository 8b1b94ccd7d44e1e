import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  effectiveRootSpecId,
  isRootSpec,
  MillraceError,
  type QueueIndex,
  type QueueIndexEntry,
  QueueIndexSchema,
  type WorkDocument,
  workDocumentId,
  workDocumentTimestamp,
} from "@millrace/contracts";
import { toWorkspaceRelative, type WorkspacePaths, writeFileAtomicSync } from "@millrace/workspace";
import { decodeDocumentBytes } from "./codec/import.js";
import { parseWorkDocument } from "./codec/parse.js";
import { allQueueFolders, isDocumentName, type QueueFolder } from "./layout.js";

/** A listing is re-read at least this often even when the folder's mtime has not moved. */
const RELIST_INTERVAL_MS = 2_000;
/** A directory mtime this close to the moment it was listed may hide a same-tick change. */
const RACY_WINDOW_NS = 1_000_000_000n;

/**
 * A structural check of a saved index, much cheaper than the full schema on 100,000 entries. The
 * index is our own cache and every folder in it is re-validated against the disk, so a shape check
 * that keeps a corrupt file from crashing the reader is enough; anything odd discards the index.
 */
function looksLikeIndex(raw: unknown): raw is QueueIndex {
  const top = QueueIndexSchema.pick({ schema_version: true, kind: true }).safeParse(raw);
  if (!top.success) return false;
  const folders = (raw as { folders?: unknown }).folders;
  if (typeof folders !== "object" || folders === null) return false;
  for (const folder of Object.values(folders as Record<string, unknown>)) {
    const f = folder as { dir_mtime_ns?: unknown; listed_at_ms?: unknown; entries?: unknown };
    if (typeof f?.dir_mtime_ns !== "string" || !/^-?\d+$/.test(f.dir_mtime_ns)) return false;
    if (typeof f.listed_at_ms !== "number" || typeof f.entries !== "object" || f.entries === null)
      return false;
    for (const entry of Object.values(f.entries as Record<string, unknown>)) {
      const e = entry as Partial<CachedEntry>;
      if (
        typeof e?.id !== "string" ||
        typeof e.timestamp !== "string" ||
        typeof e.title !== "string" ||
        typeof e.size !== "number" ||
        typeof e.mtime_ms !== "number" ||
        typeof e.ino !== "number" ||
        !Array.isArray(e.depends_on) ||
        (e.error !== null && typeof e.error !== "string") ||
        (e.root_spec_id !== null && typeof e.root_spec_id !== "string")
      ) {
        return false;
      }
    }
  }
  return true;
}

/** The facts kept per document, so claims and listings do not parse files. */
export type CachedEntry = QueueIndexEntry;

export function entryFromDocument(
  doc: WorkDocument,
  stat: { size: number; mtimeMs: number; ino: number },
): CachedEntry {
  return {
    size: stat.size,
    mtime_ms: stat.mtimeMs,
    ino: stat.ino,
    id: workDocumentId(doc),
    title: doc.title,
    timestamp: workDocumentTimestamp(doc),
    depends_on: doc.kind === "task" ? [...doc.depends_on] : [],
    root_spec_id: effectiveRootSpecId(doc) ?? null,
    root_idea_id: "root_idea_id" in doc ? (doc.root_idea_id ?? null) : null,
    spec_id: doc.kind === "task" || doc.kind === "spec" ? (doc.spec_id ?? null) : null,
    is_root_spec: doc.kind === "spec" ? isRootSpec(doc) : false,
    error: null,
  };
}

function errorEntry(
  name: string,
  stat: { size: number; mtimeMs: number; ino: number },
  error: string,
): CachedEntry {
  return {
    size: stat.size,
    mtime_ms: stat.mtimeMs,
    ino: stat.ino,
    id: name.slice(0, -3),
    title: "",
    timestamp: "",
    depends_on: [],
    root_spec_id: null,
    root_idea_id: null,
    spec_id: null,
    is_root_spec: false,
    error,
  };
}

export interface LoadedDocument {
  entry: CachedEntry;
  document?: WorkDocument;
}

/** Reads and parses one queue file; problems become an entry with `error` set (never a throw). */
export function loadDocumentFile(
  paths: WorkspacePaths,
  folder: QueueFolder,
  name: string,
): LoadedDocument | undefined {
  const file = path.join(folder.dir, name);
  let stat: import("node:fs").Stats;
  let bytes: Buffer;
  try {
    stat = statSync(file);
    if (!stat.isFile()) return undefined;
    bytes = stat.size > 1024 * 1024 ? Buffer.alloc(stat.size) : readFileSync(file);
  } catch {
    return undefined; // vanished between listing and reading
  }
  const relative = toWorkspaceRelative(paths, file);
  try {
    const text = decodeDocumentBytes(bytes, relative);
    const document = parseWorkDocument(text, { file: relative, kind: folder.kind });
    const id = workDocumentId(document);
    if (`${id}.md` !== name) {
      return {
        entry: errorEntry(
          name,
          stat,
          `${relative}: the document id ${id} does not match the file name ${name}`,
        ),
      };
    }
    return { entry: entryFromDocument(document, stat), document };
  } catch (error) {
    const message = MillraceError.isInstance(error) ? error.message : String(error);
    return { entry: errorEntry(name, stat, message) };
  }
}

/** A sortable form of a `Z` timestamp: the fraction padded to nanoseconds. */
export function timeKey(timestamp: string): string {
  const bare = timestamp.endsWith("Z") ? timestamp.slice(0, -1) : timestamp;
  const dot = bare.indexOf(".");
  if (dot === -1) return `${bare}.000000000`;
  return bare.slice(0, dot + 1) + bare.slice(dot + 1).padEnd(9, "0");
}

const sortKeys = new WeakMap<CachedEntry, string>();
/** An entry's claim-order key (timestamp, memoised per entry object). */
export function sortKeyOf(entry: CachedEntry): string {
  let key = sortKeys.get(entry);
  if (key === undefined) {
    key = timeKey(entry.timestamp);
    sortKeys.set(entry, key);
  }
  return key;
}

function compareEntries(a: CachedEntry, b: CachedEntry): number {
  const ka = sortKeyOf(a);
  const kb = sortKeyOf(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The cached view of one state folder. Besides the entries it keeps the names in claim order
 * (timestamp, then id), built lazily and then kept up to date (binary insertion, removal), so a
 * claim looks at the front of the order instead of scanning every document.
 */
export class FolderView {
  private readonly map = new Map<string, CachedEntry>();
  private order: string[] | undefined;
  /** Directory mtime (ns) at which the entries matched the folder; -1 when never listed. */
  dirMtimeNs = -1n;
  /** Wall-clock ms of the last full listing. */
  listedAtMs = 0;
  synced = false;

  constructor(readonly folder: QueueFolder) {}

  get entries(): ReadonlyMap<string, CachedEntry> {
    return this.map;
  }

  get size(): number {
    return this.map.size;
  }

  set(name: string, entry: CachedEntry): void {
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
    if (this.map.delete(name) && this.order) {
      // Claims remove names near the front, so this search is short in the common case.
      const index = this.order.indexOf(name);
      if (index >= 0) this.order.splice(index, 1);
    }
  }

  clear(): void {
    this.map.clear();
    this.order = undefined;
  }

  /** Names in claim order (oldest first, then id). */
  ordered(): readonly string[] {
    if (!this.order) {
      this.order = [...this.map.keys()].sort((a, b) =>
        compareEntries(this.map.get(a) as CachedEntry, this.map.get(b) as CachedEntry),
      );
    }
    return this.order;
  }
}

/**
 * The per-folder cache behind every queue read. The folders stay the source of truth: a folder is
 * re-listed when its directory mtime moves, when the last listing is older than two seconds, or when
 * the cache cannot rule out a change hidden in the same clock tick. Only names the cache has not
 * seen are read and parsed. The cache can be saved to and seeded from `state/queue_index.json`.
 */
export class QueueCache {
  readonly views = new Map<string, FolderView>();
  dirty = false;

  constructor(
    readonly paths: WorkspacePaths,
    private readonly now: () => number = Date.now,
  ) {
    for (const folder of allQueueFolders(paths)) this.views.set(folder.key, new FolderView(folder));
  }

  view(folder: QueueFolder): FolderView {
    const view = this.views.get(folder.key);
    if (!view) throw new Error(`unknown queue folder ${folder.key}`);
    return view;
  }

  /** Brings one folder's view up to date with the disk (cheap when nothing changed). */
  sync(folder: QueueFolder, options: { force?: boolean } = {}): FolderView {
    const view = this.view(folder);
    let mtimeNs: bigint;
    try {
      mtimeNs = statSync(folder.dir, { bigint: true }).mtimeNs;
    } catch {
      if (view.entries.size > 0) this.dirty = true;
      view.clear();
      view.dirMtimeNs = -1n;
      view.synced = true;
      return view;
    }
    const now = this.now();
    if (
      !options.force &&
      view.synced &&
      mtimeNs === view.dirMtimeNs &&
      now - view.listedAtMs < RELIST_INTERVAL_MS
    ) {
      return view;
    }
    this.relist(view, mtimeNs, now);
    return view;
  }

  private relist(view: FolderView, mtimeNs: bigint, now: number): void {
    let names: string[];
    try {
      names = readdirSync(view.folder.dir).filter(isDocumentName);
    } catch {
      names = [];
    }
    const present = new Set(names);
    for (const name of view.entries.keys()) {
      if (!present.has(name)) {
        view.delete(name);
        this.dirty = true;
      }
    }
    for (const name of names) {
      if (view.entries.has(name)) continue;
      const entry = this.adoptMoved(view, name) ?? loadDocumentFile(this.paths, view.folder, name)?.entry;
      if (entry) {
        view.set(name, entry);
        this.dirty = true;
      }
    }
    view.dirMtimeNs = mtimeNs;
    view.listedAtMs = now;
    view.synced = true;
  }

  /** A file another process moved between states keeps its inode, size and mtime: reuse its facts. */
  private adoptMoved(view: FolderView, name: string): CachedEntry | undefined {
    let stat: import("node:fs").Stats;
    try {
      stat = statSync(path.join(view.folder.dir, name));
    } catch {
      return undefined;
    }
    for (const other of this.views.values()) {
      if (other === view || other.folder.kind !== view.folder.kind) continue;
      const entry = other.entries.get(name);
      if (entry && entry.ino === stat.ino && entry.size === stat.size && entry.mtime_ms === stat.mtimeMs) {
        return { ...entry };
      }
    }
    return undefined;
  }

  /** Re-reads a folder's listing and stats every file, re-parsing any that changed in place. */
  verify(folder: QueueFolder): FolderView {
    const view = this.sync(folder, { force: true });
    for (const [name, entry] of view.entries) {
      let stat: import("node:fs").Stats;
      try {
        stat = statSync(path.join(folder.dir, name));
      } catch {
        view.delete(name);
        this.dirty = true;
        continue;
      }
      if (stat.ino !== entry.ino || stat.size !== entry.size || stat.mtimeMs !== entry.mtime_ms) {
        const loaded = loadDocumentFile(this.paths, folder, name);
        if (loaded) view.set(name, loaded.entry);
        else view.delete(name);
        this.dirty = true;
      }
    }
    return view;
  }

  /** Records a change this process made, so the folder need not be re-listed. */
  noteAdded(folder: QueueFolder, name: string, entry: CachedEntry): void {
    const view = this.view(folder);
    view.set(name, entry);
    this.afterOwnChange(view);
  }

  noteRemoved(folder: QueueFolder, name: string): void {
    const view = this.view(folder);
    view.delete(name);
    this.afterOwnChange(view);
  }

  private afterOwnChange(view: FolderView): void {
    this.dirty = true;
    if (!view.synced) return;
    try {
      view.dirMtimeNs = statSync(view.folder.dir, { bigint: true }).mtimeNs;
    } catch {
      view.synced = false;
    }
  }

  // --- the on-disk index -------------------------------------------------------------------

  /** Seeds the views from a saved index; folders whose directory moved on are re-listed on use. */
  load(indexFile: string): void {
    let index: QueueIndex;
    try {
      const raw = JSON.parse(readFileSync(indexFile, "utf8")) as unknown;
      if (!looksLikeIndex(raw)) return;
      index = raw;
    } catch {
      return;
    }
    for (const [key, saved] of Object.entries(index.folders)) {
      const view = this.views.get(key);
      if (!view) continue;
      view.clear();
      for (const [name, entry] of Object.entries(saved.entries)) view.set(name, entry);
      const mtimeNs = BigInt(saved.dir_mtime_ns);
      const listedNs = BigInt(saved.listed_at_ms) * 1_000_000n;
      view.dirMtimeNs = mtimeNs;
      // Trusted only when the listing happened well after the directory's last change.
      view.synced = listedNs - mtimeNs > RACY_WINDOW_NS;
      view.listedAtMs = view.synced ? this.now() : 0;
    }
  }

  save(indexFile: string): void {
    const folders: QueueIndex["folders"] = {};
    for (const [key, view] of this.views) {
      // A folder this process only wrote to has not been listed yet: list it so the index is whole.
      if (!view.synced) this.sync(view.folder);
      if (!view.synced) continue;
      folders[key] = {
        dir_mtime_ns: view.dirMtimeNs.toString(),
        listed_at_ms: view.listedAtMs,
        entries: Object.fromEntries(view.entries),
      };
    }
    const index: QueueIndex = { schema_version: "1.0", kind: "queue_index", folders };
    writeFileAtomicSync(indexFile, JSON.stringify(index));
    this.dirty = false;
  }
}
