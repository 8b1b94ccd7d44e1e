import { type Dirent, lstatSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { WorkspacePaths } from "@millrace/workspace";
import { compoundingPaths } from "../store/paths.js";
import { type Parser, readTolerant } from "../store/read-json.js";
import { STORE_FAMILIES } from "../store/snapshot.js";
import { type FilePlace, type RetrievalView, StoreIndex } from "./store-index.js";

export interface StoreGetOptions {
  /** A run whose own folders (run-scope procedures and facts) must be current: looked at every time. */
  readonly runId?: string;
}

export interface StoreCache {
  /**
   * The store's view, brought up to date: only files not seen before (or changed, on a full check)
   * are read; see openStoreCache for what is looked at when. The same object every time (it is
   * kept current in place); `version` moves when anything in it changed.
   */
  get(options?: StoreGetOptions): RetrievalView;
  /**
   * A store file this process has just written (StoreWrites.written): taken into the view at once,
   * and its folder's new times adopted, so the engine's own writes into the large top folders
   * (workspace copies, lifecycle records) do not make the next look list them again.
   */
  note(file: string): void;
  /** How many times the view changed (a new or removed file, a changed one, a lifecycle change). */
  readonly version: number;
}

/**
 * How often every folder and file of the store is looked at again (stat of each run folder and of
 * each file), whatever the folder times say: a file replaced under the same name by another process,
 * or written into an older run's folder, is seen within this time.
 */
export const FULL_CHECK_MS = 30_000;

/** Inode, size and mtime of a file (numbers, not a joined string: one is kept per stored file). */
interface FileKey {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

interface Slot<E> {
  /** The file's key when it was read. */
  readonly key: FileKey;
  /** What the index made of the file, or undefined when it did not load. */
  readonly entry: E | undefined;
}

const ABSENT: FileKey = { ino: -1, size: -1, mtimeMs: -1 };

function sameKey(a: FileKey | undefined, b: FileKey): boolean {
  return a !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** Where a folder's loaded files go: the index adds an entry per file and removes it again. */
interface Sink<T, E> {
  add(place: FilePlace, value: T): E;
  remove(entry: E): void;
}

/**
 * A listing taken this soon after the folder's last change may have missed an entry created in the
 * same tick of the file system's coarse clock (which leaves the folder times as they were): such a
 * folder is listed again at the next look, whatever its times say.
 */
const SETTLE_MS = 50;

/** A folder's identity and times (any entry created, removed or renamed in it changes them). */
function folderStat(dir: string): { stamp: string; mtimeMs: number } {
  try {
    const stat = statSync(dir);
    return {
      stamp: `${stat.ino}:${stat.mtimeMs}:${stat.ctimeMs}`,
      mtimeMs: Math.max(stat.mtimeMs, stat.ctimeMs),
    };
  } catch {
    return { stamp: "absent", mtimeMs: 0 };
  }
}

function fileKey(file: string): FileKey {
  try {
    const stat = lstatSync(file);
    return { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
  } catch {
    return ABSENT;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}

/**
 * One store folder as last read: its JSON files (sorted, hidden ones skipped, as `jsonFilesIn`
 * lists them), the index entry each gave, and its sub-folders (the run folders of a family folder).
 */
class FolderSlots<T, E> {
  private stamp = "";
  /** Whether the last listing came well after the folder's last change (SETTLE_MS). */
  private settled = false;
  /** How many times the folder was listed (a family folder re-checks its run folders then). */
  listings = 0;
  folders: string[] = [];
  private readonly slots = new Map<string, Slot<E>>();

  constructor(
    private readonly place: Omit<FilePlace, "name">,
    private readonly schema: Parser<T>,
    private readonly family: string,
    private readonly sink: Sink<T, E>,
  ) {}

  /**
   * Brings the folder up to date in the index; true when anything in it changed. A changed folder
   * time (or a listing not yet settled) means a new listing, and only names not seen before are
   * read. `full` also lists an unchanged folder and re-reads every file whose inode, size or mtime
   * moved.
   */
  refresh(full: boolean, now: number): boolean {
    const { stamp, mtimeMs } = folderStat(this.place.dir);
    if (stamp === this.stamp && this.settled && !full) return false;
    let changed = false;
    this.stamp = stamp;
    this.settled = now - mtimeMs > SETTLE_MS;
    let entries: Dirent[] = [];
    try {
      entries = readdirSync(this.place.dir, { withFileTypes: true });
    } catch {
      // A missing folder is empty.
    }
    const names = new Set<string>();
    const folders: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      // As the full load lists them: a name ending in `.json` is read (a folder so named then
      // gives no entry), and a folder is a run folder whatever its name.
      if (entry.name.endsWith(".json")) names.add(entry.name);
      if (entry.isDirectory()) folders.push(entry.name);
    }
    this.listings += 1;
    for (const [name, slot] of this.slots) {
      if (names.has(name)) continue;
      this.slots.delete(name);
      if (slot.entry !== undefined) this.sink.remove(slot.entry);
      changed = true;
    }
    folders.sort();
    if (!sameList(folders, this.folders)) changed = true;
    this.folders = folders;
    for (const name of names) {
      const slot = this.slots.get(name);
      if (slot && !full) continue;
      const key = fileKey(path.join(this.place.dir, name));
      if (sameKey(slot?.key, key)) continue;
      if (slot?.entry !== undefined) this.sink.remove(slot.entry);
      this.slots.set(name, { key, entry: this.read(name) });
      changed = true;
    }
    return changed;
  }

  /**
   * A file this process wrote into the folder: read it in, and adopt the folder's new times without
   * listing it. Only for a folder listed before; what another process changed in it in the same
   * moment (after the look that came just before the write) is seen at the next full check.
   */
  note(name: string): void {
    if (this.stamp === "" || name.startsWith(".") || !name.endsWith(".json")) return;
    const slot = this.slots.get(name);
    const key = fileKey(path.join(this.place.dir, name));
    if (!sameKey(slot?.key, key)) {
      if (slot?.entry !== undefined) this.sink.remove(slot.entry);
      this.slots.set(name, { key, entry: this.read(name) });
    }
    this.stamp = folderStat(this.place.dir).stamp;
    this.settled = true;
  }

  /**
   * A sub-folder this process just created (a run's first write): added to the listing without
   * listing the folder again, its new times adopted (as `note`). False when the folder was never
   * listed (the next look lists it).
   */
  adoptFolder(name: string): boolean {
    if (this.stamp === "" || name.startsWith(".")) return false;
    // Inserted in order (the listing is sorted), not sorted again: the list grows with every run.
    let low = 0;
    let high = this.folders.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.folders[mid] as string) < name) low = mid + 1;
      else high = mid;
    }
    if (this.folders[low] !== name) this.folders.splice(low, 0, name);
    this.stamp = folderStat(this.place.dir).stamp;
    this.settled = true;
    return true;
  }

  private read(name: string): E | undefined {
    const read = readTolerant(path.join(this.place.dir, name), this.schema, this.family);
    return read.ok ? this.sink.add({ ...this.place, name }, read.value) : undefined;
  }

  /** Takes every entry of the folder out of the index (the folder went). */
  drop(): void {
    for (const slot of this.slots.values()) if (slot.entry !== undefined) this.sink.remove(slot.entry);
    this.slots.clear();
  }
}

/**
 * How many of the older run folders each look checks again (listed, each file's stat compared), in
 * turn: a run's folder is written while the run is active (and that run is named to `get`), so the
 * others are only looked at again for what another process changed in them. A whole pass over every
 * run folder at once (one per run in the store's history) would stall the engine for seconds on a
 * long-lived store.
 */
export const RUN_FOLDERS_PER_LOOK = 2;

/** A family folder (procedures, context facts): workspace files at its top, run files in `<run_id>/`. */
class FamilySlots<T, E> {
  readonly top: FolderSlots<T, E>;
  private readonly runs = new Map<string, FolderSlots<T, E>>();
  /** Where the next look's check of older run folders starts (an index into `top.folders`). */
  private cursor = 0;

  constructor(
    private readonly dir: string,
    private readonly schema: Parser<T>,
    private readonly family: string,
    private readonly sink: Sink<T, E>,
  ) {
    this.top = new FolderSlots({ dir, folder: "" }, schema, family, sink);
  }

  /**
   * A file this process wrote into the family: into the top folder, or into a run folder. A run
   * folder the top folder did not hold yet (its run's first file: the write created it) is added and
   * read whole, and the top folder's new times are adopted, so a new run does not make the next look
   * list the top folder (one entry per run and per workspace copy) again. False when `dir` is not
   * this family's.
   */
  note(dir: string, name: string, now: number): boolean {
    if (dir === this.dir) {
      this.top.note(name);
      return true;
    }
    if (path.dirname(dir) !== this.dir) return false;
    const runName = path.basename(dir);
    const known = this.runs.get(runName);
    if (known) known.note(name);
    else if (this.top.adoptFolder(runName)) {
      const run = new FolderSlots<T, E>({ dir, folder: runName }, this.schema, this.family, this.sink);
      this.runs.set(runName, run);
      run.refresh(true, now);
    }
    return true;
  }

  /**
   * The top folder as FolderSlots.refresh does; when it was listed again, removed run folders are
   * dropped and new ones read whole. The named run's folder is checked whole every time, and
   * RUN_FOLDERS_PER_LOOK others in turn.
   */
  refresh(full: boolean, runId: string | undefined, now: number): boolean {
    const listings = this.top.listings;
    let changed = this.top.refresh(full, now);
    if (this.top.listings !== listings) {
      const present = new Set(this.top.folders);
      for (const [name, run] of this.runs) {
        if (!present.has(name)) {
          run.drop();
          this.runs.delete(name);
          changed = true;
        }
      }
      for (const name of this.top.folders) {
        if (this.runs.has(name)) continue;
        const place = { dir: path.join(this.dir, name), folder: name };
        const run = new FolderSlots<T, E>(place, this.schema, this.family, this.sink);
        this.runs.set(name, run);
        run.refresh(true, now);
        changed = true;
      }
    }
    const named = runId === undefined ? undefined : this.runs.get(runId);
    if (named) changed = named.refresh(true, now) || changed;
    const folders = this.top.folders;
    for (let i = 0; i < Math.min(RUN_FOLDERS_PER_LOOK, folders.length); i += 1) {
      this.cursor = this.cursor >= folders.length ? 0 : this.cursor;
      const run = this.runs.get(folders[this.cursor] as string);
      this.cursor += 1;
      if (run && run !== named) changed = run.refresh(true, now) || changed;
    }
    return changed;
  }
}

/**
 * Keeps the store's view current for a process that selects before every stage and flushes after
 * some (the engine), without reading the store again each time: the store only grows with history
 * (a run's candidates, their workspace copies, lifecycle records), so a whole re-read made every
 * stage slower as the store grew (docs/performance.md, "Stage handoff", eighth and tenth passes).
 *
 * What each `get` looks at: the times of the lifecycle folder and of the two family folders, the
 * run folders of `runId` and RUN_FOLDERS_PER_LOOK older run folders in turn (each listed, each
 * file's stat compared). A folder whose times moved is listed again, and only files it did not hold
 * before are read; a new run folder is read whole. Every FULL_CHECK_MS, the three top folders are
 * listed and each of their files' inode, size and mtime compared, so a file another process
 * replaced under its name is seen within that time (in an older run's folder, once its turn
 * comes). The runtime's own writes create new names (a replay rewrites a run candidate with the
 * same content), which the folder times show; a writer that tells the cache of its writes (`note`,
 * through StoreWrites.written) spares it listing the folder again for them.
 *
 * What it holds: per file its name, stat key and a small index entry; the text only of promoted
 * items. Other items' text is read from their files when it is needed (a run's candidates when they
 * are flushed or offered). The view selects and flushes exactly as `retrievalView` of a whole
 * `loadCompoundingSnapshot` read then would.
 */
export function openStoreCache(paths: WorkspacePaths, options: { now?: () => number } = {}): StoreCache {
  const store = compoundingPaths(paths);
  const now = options.now ?? Date.now;
  const families = STORE_FAMILIES;
  const reader =
    <T>(schema: Parser<T>, family: string) =>
    (file: string): T | null => {
      const read = readTolerant(file, schema, family);
      return read.ok ? read.value : null;
    };
  const index = new StoreIndex(
    store,
    paths,
    {
      procedure: reader(families.procedures.schema, families.procedures.family),
      fact: reader(families.facts.schema, families.facts.family),
    },
    false,
  );
  const procedures = new FamilySlots(
    store.procedures,
    families.procedures.schema,
    families.procedures.family,
    index.procedures,
  );
  const facts = new FamilySlots(
    store.contextFacts,
    families.facts.schema,
    families.facts.family,
    index.facts,
  );
  const lifecycle = new FolderSlots(
    { dir: store.lifecycle, folder: "" },
    families.lifecycle.schema,
    families.lifecycle.family,
    {
      add: (place, value) => index.addRecord(value, place.name),
      remove: (entry) => index.removeRecord(entry),
    },
  );
  let checkedAt = Number.NEGATIVE_INFINITY;
  let version = 0;
  return {
    get version() {
      return version;
    },
    get(getOptions = {}) {
      const at = now();
      const full = at - checkedAt >= FULL_CHECK_MS;
      if (full) checkedAt = at;
      // Folder times are wall-clock times: compared with the wall clock, whatever `now` is.
      const wall = Date.now();
      // Every part is refreshed (no short-circuit): each keeps its own times current. The items
      // first, so a lifecycle record read after them holds its item's id string, not a copy (the
      // few promoted items are read again for their text when their records come in).
      const changed = [
        procedures.refresh(full, getOptions.runId, wall),
        facts.refresh(full, getOptions.runId, wall),
        lifecycle.refresh(full, wall),
      ].includes(true);
      if (changed) version += 1;
      return index;
    },
    note(file) {
      const dir = path.dirname(file);
      const name = path.basename(file);
      const wall = Date.now();
      if (dir === store.lifecycle) lifecycle.note(name);
      else if (!procedures.note(dir, name, wall) && !facts.note(dir, name, wall)) return;
      version += 1;
    },
  };
}
