import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { DOCUMENT_KINDS, type QueueReconcileReport } from "@millrace/contracts";
import { isLiveWritersTemp, removeTempLitter, TEMP_FILE_PATTERN } from "@millrace/workspace";
import { allQueueFolders, type QueueFolder, STATE_RANK } from "../layout.js";
import { planesWithSeveralActive } from "./active.js";
import { relativeOf, type StoreContext } from "./context.js";
import { quarantine } from "./quarantine.js";

const KIND_ORDER = new Map(DOCUMENT_KINDS.map((kind, index) => [kind, index]));

interface Copy {
  folder: QueueFolder;
  name: string;
}

/**
 * Startup repair after a crash: removes temp litter from the queue folders (and beside the index
 * file, when there is one), re-lists every folder (re-checking each unfinished document's size,
 * mtime and inode), and resolves an id found in more than one folder by keeping the copy in the
 * most advanced state (done > blocked > active > queue; on a tie, the first kind in catalog order)
 * and quarantining the others. Reports (but does not move) unreadable files and planes with several
 * active items. The caller saves the index afterwards.
 */
export function reconcileFolders(ctx: StoreContext, indexFile: string | undefined): QueueReconcileReport {
  const folders = allQueueFolders(ctx.paths);
  const removed = removeTempLitter(folders.map((folder) => folder.dir));
  if (indexFile) removed.push(...removeIndexTemps(indexFile));
  const copiesByName = relistAll(ctx, folders);
  const duplicates = resolveDuplicates(ctx, copiesByName);
  const invalid: QueueReconcileReport["invalid_files"] = [];
  for (const folder of folders) {
    for (const [name, error] of ctx.cache.view(folder).errors()) {
      invalid.push({ path: relativeOf(ctx, path.join(folder.dir, name)), error });
    }
  }
  return {
    temp_files_removed: removed.map((file) => relativeOf(ctx, file)),
    duplicates,
    multiple_active: planesWithSeveralActive(ctx),
    invalid_files: invalid,
  };
}

/** Re-reads every folder from disk; returns the folders holding each document name. */
function relistAll(ctx: StoreContext, folders: readonly QueueFolder[]): Map<string, Copy[]> {
  const byName = new Map<string, Copy[]>();
  for (const folder of folders) {
    // Unfinished work is re-checked file by file (an in-place edit does not move a directory
    // mtime); finished folders only grow, so their listing is enough.
    const view = folder.state === "done" ? ctx.cache.sync(folder, { force: true }) : ctx.cache.verify(folder);
    for (const name of view.names()) {
      const list = byName.get(name) ?? [];
      list.push({ folder, name });
      byName.set(name, list);
    }
  }
  return byName;
}

/** Keeps the most advanced copy of each duplicated name and quarantines the rest. */
function resolveDuplicates(
  ctx: StoreContext,
  copiesByName: ReadonlyMap<string, Copy[]>,
): QueueReconcileReport["duplicates"] {
  const duplicates: QueueReconcileReport["duplicates"] = [];
  for (const [name, copies] of copiesByName) {
    if (copies.length < 2) continue;
    const ranked = [...copies].sort((a, b) => {
      const rank = STATE_RANK[b.folder.state] - STATE_RANK[a.folder.state];
      return rank !== 0 ? rank : (KIND_ORDER.get(a.folder.kind) ?? 0) - (KIND_ORDER.get(b.folder.kind) ?? 0);
    });
    const [kept, ...others] = ranked as [Copy, ...Copy[]];
    const keptPath = relativeOf(ctx, path.join(kept.folder.dir, kept.name));
    const setAside = others.map((copy) =>
      relativeOf(ctx, quarantine(ctx, copy.folder, copy.name, `duplicate of ${keptPath}`)),
    );
    duplicates.push({ id: name.slice(0, -3), kept: keptPath, set_aside: setAside });
  }
  return duplicates;
}

/** Removes temp files an interrupted index save left beside the index (and nothing else). */
function removeIndexTemps(indexFile: string): string[] {
  const dir = path.dirname(indexFile);
  const prefix = `.${path.basename(indexFile)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (name.startsWith(prefix) && TEMP_FILE_PATTERN.test(name) && !isLiveWritersTemp(name)) {
      rmSync(path.join(dir, name), { force: true });
      removed.push(path.join(dir, name));
    }
  }
  return removed;
}
