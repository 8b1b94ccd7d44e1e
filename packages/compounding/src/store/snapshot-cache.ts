import { type Dirent, lstatSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { WorkspacePaths } from "@millrace/workspace";
import { compoundingPaths } from "./paths.js";
import { type LoadedFile, type Parser, readTolerant, type UnloadableFile } from "./read-json.js";
import { type CompoundingSnapshot, STORE_FAMILIES } from "./snapshot.js";

export interface SnapshotGetOptions {
  /** A run whose own folders (run-scope procedures and facts) must be current: looked at every time. */
  readonly runId?: string;
}

export interface SnapshotCache {
  /**
   * The current snapshot, the same object while nothing changed. Only files not seen before (or
   * changed, on a full check) are read; see openSnapshotCache for what is looked at when.
   */
  get(options?: SnapshotGetOptions): CompoundingSnapshot;
}

/**
 * How often every folder and file of the store is looked at again (stat of each run folder and of
 * each file), whatever the folder times say: a file replaced under the same name by another process,
 * or written into an older run's folder, is seen within this time.
 */
export const FULL_CHECK_MS = 30_000;

interface Slot<T> {
  /** Inode, size and mtime of the file when it was read. */
  readonly key: string;
  /** What the file held: loaded (with its path, made once), or why not. */
  readonly read: { ok: true; loaded: LoadedFile<T> } | { ok: false; problem: UnloadableFile };
}

/** What a folder (or a family) gives a snapshot, kept until something in it changes. */
interface Collected<T> {
  readonly loaded: LoadedFile<T>[];
  readonly problems: UnloadableFile[];
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

function fileKey(file: string): string {
  try {
    const stat = lstatSync(file);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return "absent";
  }
}

/** Two sorted lists as one (code-unit order, as `Array.prototype.sort` gives). */
function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length)
    out.push((a[i] as string) <= (b[j] as string) ? (a[i++] as string) : (b[j++] as string));
  while (i < a.length) out.push(a[i++] as string);
  while (j < b.length) out.push(b[j++] as string);
  return out;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}

/**
 * One store folder as last read: its JSON files (sorted, hidden ones skipped, as `jsonFilesIn`
 * lists them) with what each held, and its sub-folders (the run folders of a family folder).
 */
class FolderSlots<T> {
  private stamp = "";
  /** Whether the last listing came well after the folder's last change (SETTLE_MS). */
  private settled = false;
  /** How many times the folder was listed (a family folder re-checks its run folders then). */
  listings = 0;
  names: string[] = [];
  folders: string[] = [];
  readonly slots = new Map<string, Slot<T>>();
  /** The loadable files and the problems as of the last change (collect's answer, kept). */
  private collected: Collected<T> | undefined;

  constructor(
    readonly dir: string,
    private readonly schema: Parser<T>,
    private readonly family: string,
  ) {}

  /**
   * Brings the folder up to date; true when anything in it changed. A changed folder time (or a
   * listing not yet settled) means a new listing, and only names not seen before are read. `full`
   * also lists an unchanged folder and re-reads every file whose inode, size or mtime moved.
   */
  refresh(full: boolean, now: number): boolean {
    const { stamp, mtimeMs } = folderStat(this.dir);
    if (stamp === this.stamp && this.settled && !full) return false;
    let changed = false;
    this.stamp = stamp;
    this.settled = now - mtimeMs > SETTLE_MS;
    let entries: Dirent[] = [];
    try {
      entries = readdirSync(this.dir, { withFileTypes: true });
    } catch {
      // A missing folder is empty.
    }
    const names: string[] = [];
    const folders: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      // As the full load lists them: a name ending in `.json` is read (a folder so named then
      // reports a problem), and a folder is a run folder whatever its name.
      if (entry.name.endsWith(".json")) names.push(entry.name);
      if (entry.isDirectory()) folders.push(entry.name);
    }
    this.listings += 1;
    const added = names.filter((name) => !this.slots.has(name));
    if (names.length - added.length === this.names.length) {
      // Nothing went (every other name is one already held): the new names are merged into the
      // sorted list instead of sorting a folder that grows with history at every look.
      if (added.length > 0) {
        changed = true;
        this.names = mergeSorted(this.names, added.sort());
      }
    } else {
      changed = true;
      this.names = names.sort();
      const present = new Set(names);
      for (const name of this.slots.keys()) if (!present.has(name)) this.slots.delete(name);
    }
    folders.sort();
    if (!sameList(folders, this.folders)) changed = true;
    this.folders = folders;
    for (const name of this.names) {
      const slot = this.slots.get(name);
      if (slot && !full) continue;
      const file = path.join(this.dir, name);
      const key = fileKey(file);
      if (slot?.key === key) continue;
      const read = readTolerant(file, this.schema, this.family);
      this.slots.set(name, {
        key,
        read: read.ok ? { ok: true, loaded: { file, value: read.value } } : read,
      });
      changed = true;
    }
    if (changed) this.collected = undefined;
    return changed;
  }

  /** The loadable files in name order, the others' problems added to `problems` (kept until a change). */
  collect(problems: UnloadableFile[]): readonly LoadedFile<T>[] {
    if (!this.collected) {
      const loaded: LoadedFile<T>[] = [];
      const failed: UnloadableFile[] = [];
      for (const name of this.names) {
        const read = this.slots.get(name)?.read;
        if (!read) continue;
        if (read.ok) loaded.push(read.loaded);
        else failed.push(read.problem);
      }
      this.collected = { loaded, problems: failed };
    }
    problems.push(...this.collected.problems);
    return this.collected.loaded;
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
class FamilySlots<T> {
  readonly top: FolderSlots<T>;
  private readonly runs = new Map<string, FolderSlots<T>>();
  /** Where the next look's check of older run folders starts (an index into `top.folders`). */
  private cursor = 0;
  /** collect's answer as of the last change, kept. */
  private collected: Collected<T> | undefined;

  constructor(
    readonly dir: string,
    private readonly schema: Parser<T>,
    private readonly family: string,
  ) {
    this.top = new FolderSlots(dir, schema, family);
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
      for (const name of this.runs.keys()) {
        if (!present.has(name)) {
          this.runs.delete(name);
          changed = true;
        }
      }
      for (const name of this.top.folders) {
        if (this.runs.has(name)) continue;
        const run = new FolderSlots<T>(path.join(this.dir, name), this.schema, this.family);
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
    if (changed) this.collected = undefined;
    return changed;
  }

  /** In the order `loadCompoundingSnapshot` reads them: the top folder, then each run folder by name. */
  collect(problems: UnloadableFile[]): readonly LoadedFile<T>[] {
    if (!this.collected) {
      const failed: UnloadableFile[] = [];
      const parts = [this.top.collect(failed)];
      for (const name of this.top.folders) {
        const run = this.runs.get(name)?.collect(failed);
        if (run && run.length > 0) parts.push(run);
      }
      this.collected = { loaded: parts.flat(), problems: failed };
    }
    problems.push(...this.collected.problems);
    return this.collected.loaded;
  }
}

/**
 * Caches the store for a process that selects before every stage and flushes after some (the
 * engine), without reading the store again each time: the store only grows with history (a run's
 * candidates, their workspace copies, lifecycle records), so a whole re-read made every stage
 * slower as the store grew (docs/performance.md, "Stage handoff", eighth pass).
 *
 * What each `get` looks at: the times of the lifecycle folder and of the two family folders, the
 * run folders of `runId` and RUN_FOLDERS_PER_LOOK older run folders in turn (each listed, each
 * file's stat compared). A folder whose times moved is listed again, and only files it did not hold
 * before are read; a new run folder is read whole. Every FULL_CHECK_MS, the three top folders are
 * listed and each of their files' inode, size and mtime compared, so a file another process
 * replaced under its name is seen within that time (in an older run's folder, once its turn
 * comes). The runtime's own writes create new names (a replay rewrites a run candidate with the
 * same content), which the folder times show. The snapshot equals what `loadCompoundingSnapshot`
 * would read then (same files, same order).
 */
export function openSnapshotCache(
  paths: WorkspacePaths,
  options: { now?: () => number } = {},
): SnapshotCache {
  const store = compoundingPaths(paths);
  const now = options.now ?? Date.now;
  const families = STORE_FAMILIES;
  const procedures = new FamilySlots(
    store.procedures,
    families.procedures.schema,
    families.procedures.family,
  );
  const facts = new FamilySlots(store.contextFacts, families.facts.schema, families.facts.family);
  const lifecycle = new FolderSlots(store.lifecycle, families.lifecycle.schema, families.lifecycle.family);
  let snapshot: CompoundingSnapshot | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  return {
    get(getOptions = {}) {
      const at = now();
      const full = snapshot === undefined || at - checkedAt >= FULL_CHECK_MS;
      if (full) checkedAt = at;
      // Folder times are wall-clock times: compared with the wall clock, whatever `now` is.
      const wall = Date.now();
      // Every part is refreshed (no short-circuit): each keeps its own times current.
      const changed = [
        procedures.refresh(full, getOptions.runId, wall),
        facts.refresh(full, getOptions.runId, wall),
        lifecycle.refresh(full, wall),
      ].includes(true);
      if (snapshot === undefined || changed) {
        const problems: UnloadableFile[] = [];
        snapshot = {
          paths: store,
          workspacePaths: paths,
          // In the whole load's order, problems included: procedures, facts, lifecycle.
          procedures: procedures.collect(problems),
          facts: facts.collect(problems),
          lifecycle: lifecycle.collect(problems),
          problems,
        };
      }
      return snapshot;
    },
  };
}
