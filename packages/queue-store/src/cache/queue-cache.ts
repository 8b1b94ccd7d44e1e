import { lstatSync, readdirSync, type Stats, statSync } from "node:fs";
import path from "node:path";
import type { QueueIndex } from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import { MAX_DOCUMENT_BYTES } from "../codec/import.js";
import { allQueueFolders, isDocumentName, type QueueFolder } from "../layout.js";
import { ArchiveView } from "./archive-view.js";
import { type CachedEntry, loadDocumentFile } from "./entries.js";
import { FolderView } from "./folder-view.js";
import { readQueueIndex, writeQueueIndex } from "./index-file.js";
import type { QueueView } from "./view.js";

/** A listing is re-read at least this often even when the folder's mtime has not moved. */
const RELIST_INTERVAL_MS = 2_000;
/** A directory mtime this close to the moment it was listed may hide a same-tick change. */
const RACY_WINDOW_NS = 1_000_000_000n;

/** Whether a view's listing was taken well after its directory's last change (see RACY_WINDOW_NS). */
function trustedListing(view: QueueView): boolean {
  return BigInt(view.listedAtMs) * 1_000_000n - view.dirMtimeNs > RACY_WINDOW_NS;
}

/**
 * The per-folder cache behind every queue read. The folders stay the source of truth: a folder is
 * re-listed when its directory mtime moves, when the last listing is older than two seconds, or when
 * the cache cannot rule out a change hidden in the same clock tick. Only names the cache has not
 * seen are read and parsed. The cache can be saved to and seeded from `state/queue_index.json`.
 * Finished-work folders, which grow with history, are kept as columns (ArchiveView).
 */
export class QueueCache {
  readonly views = new Map<string, QueueView>();
  dirty = false;

  constructor(
    readonly paths: WorkspacePaths,
    private readonly now: () => number = Date.now,
    /** The document cap (`[limits] max_document_bytes`), asked at each read so reloads apply. */
    readonly documentLimit: () => number = () => MAX_DOCUMENT_BYTES,
  ) {
    for (const folder of allQueueFolders(paths)) {
      this.views.set(folder.key, folder.state === "done" ? new ArchiveView(folder) : new FolderView(folder));
    }
  }

  view(folder: QueueFolder): QueueView {
    const view = this.views.get(folder.key);
    if (!view) throw new Error(`unknown queue folder ${folder.key}`);
    return view;
  }

  /** Brings one folder's view up to date with the disk (cheap when nothing changed). */
  sync(folder: QueueFolder, options: { force?: boolean } = {}): QueueView {
    const view = this.view(folder);
    let mtimeNs: bigint;
    try {
      mtimeNs = statSync(folder.dir, { bigint: true }).mtimeNs;
    } catch {
      if (view.size > 0) this.dirty = true;
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

  private relist(view: QueueView, mtimeNs: bigint, now: number): void {
    let names: string[];
    try {
      names = readdirSync(view.folder.dir).filter(isDocumentName);
    } catch {
      names = [];
    }
    // Names the view does not hold yet; when every name it holds is still listed, nothing went.
    const added: string[] = [];
    let kept = 0;
    for (const name of names) {
      if (view.has(name)) kept += 1;
      else added.push(name);
    }
    if (kept < view.size && view.prune(new Set(names)) > 0) this.dirty = true;
    for (const name of added) {
      const entry =
        this.adoptMoved(view, name) ??
        loadDocumentFile(this.paths, view.folder, name, this.documentLimit())?.entry;
      if (entry) {
        view.set(name, entry);
        this.dirty = true;
      }
    }
    view.dirMtimeNs = mtimeNs;
    view.listedAtMs = now;
    view.synced = true;
    if (!view.savedTrusted && trustedListing(view)) this.dirty = true;
  }

  /** A file another process moved between states keeps its inode, size and mtime: reuse its facts. */
  private adoptMoved(view: QueueView, name: string): CachedEntry | undefined {
    // Most new names are new documents: stat only when another folder knows the name.
    let known = false;
    for (const other of this.views.values()) {
      if (other !== view && other.folder.kind === view.folder.kind && other.has(name)) known = true;
    }
    if (!known) return undefined;
    let stat: Stats;
    try {
      stat = lstatSync(path.join(view.folder.dir, name));
    } catch {
      return undefined;
    }
    for (const other of this.views.values()) {
      if (other === view || other.folder.kind !== view.folder.kind) continue;
      const entry = other.get(name);
      if (entry && entry.ino === stat.ino && entry.size === stat.size && entry.mtime_ms === stat.mtimeMs) {
        return { ...entry };
      }
    }
    return undefined;
  }

  /** Re-reads a folder's listing and stats every file, re-parsing any that changed in place. */
  verify(folder: QueueFolder): QueueView {
    const view = this.sync(folder, { force: true });
    for (const [name, entry] of [...view.all()]) {
      let stat: Stats;
      try {
        stat = lstatSync(path.join(folder.dir, name));
      } catch {
        view.delete(name);
        this.dirty = true;
        continue;
      }
      if (stat.ino !== entry.ino || stat.size !== entry.size || stat.mtimeMs !== entry.mtime_ms) {
        const loaded = loadDocumentFile(this.paths, folder, name, this.documentLimit());
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

  private afterOwnChange(view: QueueView): void {
    this.dirty = true;
    if (!view.synced) return;
    try {
      view.dirMtimeNs = statSync(view.folder.dir, { bigint: true }).mtimeNs;
    } catch {
      view.synced = false;
    }
  }

  /** Seeds the views from a saved index; folders whose directory moved on are re-listed on use. */
  load(indexFile: string): void {
    const index = readQueueIndex(indexFile);
    if (!index) return;
    for (const [key, saved] of Object.entries(index.folders)) {
      const view = this.views.get(key);
      if (!view) continue;
      const { dir_mtime_ns, listed_at_ms, ...columns } = saved;
      // A refusal depends on the caps of the process that saved it: read such files again.
      const skipped = columns.error?.some((error) => error !== null) ?? false;
      view.seed(columns);
      if (skipped) for (const [name] of view.errors()) view.delete(name);
      view.dirMtimeNs = BigInt(dir_mtime_ns);
      view.listedAtMs = listed_at_ms;
      view.synced = !skipped && trustedListing(view);
      view.savedTrusted = view.synced;
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
        ...view.columns(),
      };
    }
    writeQueueIndex(indexFile, folders);
    for (const view of this.views.values()) view.savedTrusted = view.synced && trustedListing(view);
    this.dirty = false;
  }
}
