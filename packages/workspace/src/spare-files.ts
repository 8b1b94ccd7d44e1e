import { closeSync, constants, fstatSync, openSync, unlinkSync } from "node:fs";
import path from "node:path";

/**
 * Temp files made ahead of need, which the atomic writes of the workspace's owner use instead of
 * creating one.
 *
 * Creating a file is the dearest step of an atomic write on some hosts: on the ext4 volumes of the
 * bench machine a create costs ~250-300 µs of kernel CPU, where writing into an existing empty file
 * and renaming it costs ~30-80 µs (docs/performance.md, "Stage handoff, sixth pass"). A stage
 * handoff makes about ten atomic writes into a few folders (`state/`, the run's folder and its
 * `stage_results/`), so the engine makes their temp files while an agent runs (`refill`, after each
 * cycle's closing commit) and the handoff's writes take them (`take`).
 *
 * A spare is an ordinary temp file of the folder it serves (`.spare.tmp-<hex>`, the shape
 * `removeTempLitter` and the runtime's `.gitignore` know), so an atomic write stays what DESIGN
 * decision 2 says: a temp file in the target's folder, renamed over it. What a killed daemon leaves
 * is temp litter, removed at the next start like any other.
 *
 * The folders lie inside the workspace, which agents write into, so a spare is trusted only after
 * checks on the open descriptor: opened without following a link and without creating, a regular
 * file, owned by this process's user, empty, and with no other name (one link), so no write lands
 * in a file any other path reaches. Anything else is discarded and the write creates its temp file
 * as usual. A process that registered no pool (every CLI command) never takes one.
 */

/** At most this many spares are kept for one folder. */
export const MAX_SPARES_PER_FOLDER = 16;

/** A spare taken for one write: its open descriptor and its path, to be renamed over the target. */
export interface SpareFile {
  readonly fd: number;
  readonly path: string;
}

export class SpareFilePool {
  /** Spares ready to take, by folder. */
  private readonly ready = new Map<string, string[]>();
  /** Writes per folder since the last refill: how many spares each folder gets next. */
  private readonly demand = new Map<string, number>();
  private readonly prefix: string;
  private counter = 0;
  private disabled = false;

  /** `root` is the folder whose writes the pool serves (the runtime folder). */
  constructor(readonly root: string) {
    // 8 hex digits of the process and 8 of a counter: the 16-32 hex digits of TEMP_FILE_PATTERN.
    this.prefix = `.spare.tmp-${(process.pid >>> 0).toString(16).padStart(8, "0")}`;
  }

  /** Spares ready to take, in every folder. */
  get size(): number {
    let total = 0;
    for (const list of this.ready.values()) total += list.length;
    return total;
  }

  /**
   * Tops each folder written since the last refill up to as many spares as it saw writes (at most
   * MAX_SPARES_PER_FOLDER; spares it did not use are kept), and removes the spares of folders that
   * were not written (a finished run's folder) or that `keep` turns down. Best effort: a failure
   * leaves fewer spares, never throws.
   */
  refill(keep: (folder: string) => boolean = () => true): void {
    if (this.disabled) return;
    for (const [folder, list] of this.ready) {
      if (this.demand.has(folder) && keep(folder)) continue;
      for (const file of list) discard(file);
      this.ready.delete(folder);
    }
    for (const [folder, wanted] of this.demand) {
      if (!keep(folder)) continue;
      const list = this.ready.get(folder) ?? [];
      this.ready.set(folder, list);
      try {
        while (list.length < Math.min(wanted, MAX_SPARES_PER_FOLDER)) {
          this.counter = (this.counter + 1) >>> 0;
          const file = path.join(folder, `${this.prefix}${this.counter.toString(16).padStart(8, "0")}`);
          closeSync(openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644));
          list.push(file);
        }
      } catch {
        // A folder removed or replaced meanwhile, a full disk: its writes create temp files as usual.
      }
    }
    this.demand.clear();
  }

  /** A checked spare in the folder of `target`, or undefined (the caller creates a temp file). */
  take(target: string): SpareFile | undefined {
    if (this.disabled) return undefined;
    const folder = path.dirname(target);
    this.demand.set(folder, (this.demand.get(folder) ?? 0) + 1);
    const list = this.ready.get(folder);
    for (let file = list?.pop(); file !== undefined; file = list?.pop()) {
      let fd: number | undefined;
      try {
        fd = openSync(file, constants.O_WRONLY | constants.O_NOFOLLOW);
        const stat = fstatSync(fd);
        const uid = process.getuid?.();
        if (stat.isFile() && stat.nlink === 1 && stat.size === 0 && (uid === undefined || stat.uid === uid)) {
          return { fd, path: file };
        }
      } catch {
        // gone, a link, or not ours: discarded below
      }
      if (fd !== undefined) closeSync(fd);
      discard(file);
    }
    return undefined;
  }

  /** Removes the spares of `folder` and forgets its writes (a run that ended: its folder is done). */
  retire(folder: string): void {
    for (const file of this.ready.get(folder) ?? []) discard(file);
    this.ready.delete(folder);
    this.demand.delete(folder);
  }

  /** Stops serving writes and removes every spare it made. */
  dispose(): void {
    this.disabled = true;
    for (const list of this.ready.values()) for (const file of list) discard(file);
    this.ready.clear();
    this.demand.clear();
  }
}

function discard(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

const pools: SpareFilePool[] = [];

/**
 * Registers a pool for the atomic writes under `runtimeRoot` (`<workspace>/millrace-agents`). The
 * owner of the workspace (the engine, under the workspace lock) calls this at start and
 * `releaseSpareFiles` at close; its first writes create their temp files, and each refill prepares
 * what the folders written since the last one took.
 */
export function registerSpareFiles(runtimeRoot: string): SpareFilePool {
  const root = path.resolve(runtimeRoot);
  releaseSpareFiles(root);
  const pool = new SpareFilePool(root);
  pools.push(pool);
  return pool;
}

/** Unregisters the pool of `runtimeRoot`, if any, and removes its spares. */
export function releaseSpareFiles(runtimeRoot: string): void {
  const root = path.resolve(runtimeRoot);
  for (let i = pools.length - 1; i >= 0; i -= 1) {
    const pool = pools[i] as SpareFilePool;
    if (pool.root !== root) continue;
    pools.splice(i, 1);
    pool.dispose();
  }
}

/** The pool whose runtime folder holds `target`, if one is registered. */
export function spareFilePoolFor(target: string): SpareFilePool | undefined {
  if (pools.length === 0) return undefined;
  for (const pool of pools) {
    if (target.startsWith(pool.root) && target.charAt(pool.root.length) === path.sep) return pool;
  }
  return undefined;
}
