import path from "node:path";
import { type DocumentKind, MillraceError, type Plane, type WorkDocument } from "@millrace/contracts";
import { type CachedEntry, loadDocumentFile, sortKeyOf } from "../cache/entries.js";
import type { QueueView } from "../cache/view.js";
import { moveFileSync } from "../fs-ops.js";
import { documentName, PLANE_KINDS, type QueueFolder } from "../layout.js";
import { activeOn } from "./active.js";
import { folderOf, relativeOf, type StoreContext } from "./context.js";
import { findAll, type QueueItemRef } from "./lookup.js";
import { quarantine } from "./quarantine.js";

export interface ClaimedItem extends QueueItemRef {
  document: WorkDocument;
}

export interface ClaimOptions {
  /** Only claim work whose effective root spec id is this one (closure-target backpressure). */
  rootSpecId?: string;
  /** Ids never to claim now (work items parked over a budget); older items wait, younger ones run. */
  skipIds?: ReadonlySet<string>;
  /**
   * Items the plane may hold in active/ at once (default 1). Execution lanes raise it to the lane
   * count; a claim is refused (undefined) while the plane holds that many.
   */
  maxActive?: number;
}

interface Candidate {
  folder: QueueFolder;
  name: string;
  entry: CachedEntry;
  key: string;
}

function before(a: Candidate, b: Candidate): boolean {
  if (a.key !== b.key) return a.key < b.key;
  // Probes and specs of the same age: the kind's name decides (probe before spec).
  if (a.folder.kind !== b.folder.kind) return a.folder.kind < b.folder.kind;
  return a.entry.id < b.entry.id;
}

/**
 * Claims the next item of a plane: nothing when the plane already has an active item; otherwise
 * the oldest eligible item (by timestamp, then id) is renamed into its active folder. Planning
 * claims incidents first, then blueprint drafts, then specs and probes by (created_at, kind, id);
 * probes are skipped under a root-spec filter. Tasks are eligible only when every `depends_on` id is
 * in tasks/done, drafts only when every earlier draft they depend on is approved.
 * Unreadable documents met on the way are quarantined.
 */
export function claimNext(
  ctx: StoreContext,
  plane: Plane,
  options: ClaimOptions = {},
): ClaimedItem | undefined {
  const active = activeOn(ctx, plane);
  const maxActive = Math.max(1, options.maxActive ?? 1);
  if (active.length > maxActive) {
    throw new MillraceError(
      "queue_state_conflict",
      `the ${plane} plane has ${active.length} active items (${active.map((ref) => ref.id).join(", ")}); at most ${maxActive === 1 ? "one is" : `${maxActive} are`} allowed`,
      { hint: "Run `millrace clear-stale-state` to requeue them." },
    );
  }
  if (active.length === maxActive) return undefined;
  const groups: DocumentKind[][] =
    plane === "planning" ? [["incident"], ["blueprint_draft"], ["spec", "probe"]] : [[...PLANE_KINDS[plane]]];
  for (let attempt = 0; attempt < 64; attempt += 1) {
    let candidate: Candidate | undefined;
    for (const group of groups) {
      candidate = pickCandidate(ctx, group, options);
      if (candidate) break;
    }
    if (!candidate) return undefined;
    const claimed = tryClaim(ctx, candidate);
    if (claimed) return claimed;
  }
  throw new MillraceError(
    "queue_state_conflict",
    `could not claim on the ${plane} plane: the queue kept changing`,
  );
}

function dependenciesDone(entry: CachedEntry, done: QueueView): boolean {
  for (const dep of entry.depends_on) {
    if (!done.has(documentName(dep))) return false;
  }
  return true;
}

/** The oldest eligible item across some kinds, quarantining unreadable files met on the way. */
function pickCandidate(
  ctx: StoreContext,
  kinds: readonly DocumentKind[],
  options: ClaimOptions,
): Candidate | undefined {
  let best: Candidate | undefined;
  for (const kind of kinds) {
    const done =
      kind === "task" || kind === "blueprint_draft" ? ctx.cache.sync(folderOf(ctx, kind, "done")) : undefined;
    if (kind === "probe" && options.rootSpecId !== undefined) continue;
    const folder = folderOf(ctx, kind, "queue");
    const view = ctx.cache.sync(folder);
    const invalid: Array<[string, string]> = [];
    // The order is sorted, so the first eligible name is this kind's oldest eligible item.
    for (const name of view.ordered()) {
      const entry = view.get(name);
      if (!entry) continue;
      if (entry.error !== null) {
        invalid.push([name, entry.error]);
        continue;
      }
      if (options.rootSpecId !== undefined && entry.root_spec_id !== options.rootSpecId) continue;
      if (options.skipIds?.has(entry.id)) continue;
      if (done && entry.depends_on.length > 0 && !dependenciesDone(entry, done)) continue;
      const current: Candidate = { folder, name, entry, key: sortKeyOf(entry) };
      if (!best || before(current, best)) best = current;
      break;
    }
    for (const [name, error] of invalid) quarantine(ctx, folder, name, error);
  }
  return best;
}

/** Re-reads the chosen file (it may have changed since it was cached) and renames it into active. */
function tryClaim(ctx: StoreContext, candidate: Candidate): ClaimedItem | undefined {
  const { folder, name } = candidate;
  const loaded = loadDocumentFile(ctx.paths, folder, name, ctx.documentLimit());
  if (!loaded) {
    ctx.cache.noteRemoved(folder, name);
    return undefined;
  }
  if (!loaded.document || loaded.entry.error !== null) {
    quarantine(ctx, folder, name, loaded.entry.error ?? "unreadable");
    return undefined;
  }
  const fresh = loaded.entry;
  const cached = candidate.entry;
  if (
    fresh.timestamp !== cached.timestamp ||
    fresh.root_spec_id !== cached.root_spec_id ||
    fresh.depends_on.join("\n") !== cached.depends_on.join("\n")
  ) {
    ctx.cache.view(folder).set(name, fresh); // changed in place: choose again
    return undefined;
  }
  // Ids are unique across every folder of every kind. A document written straight into a queue
  // folder (by a stage, not through enqueue) under an id that exists elsewhere is set aside.
  const elsewhere = findAll(ctx, fresh.id).filter((ref) => ref.path !== path.join(folder.dir, name));
  if (elsewhere.length > 0) {
    const first = elsewhere[0] as QueueItemRef;
    quarantine(
      ctx,
      folder,
      name,
      `duplicate id: ${fresh.id} already exists as ${relativeOf(ctx, first.path)}`,
    );
    return undefined;
  }
  const activeFolder = folderOf(ctx, folder.kind, "active");
  const destination = path.join(activeFolder.dir, name);
  if (!moveIntoActive(ctx, folder, activeFolder, name)) return undefined;
  ctx.cache.noteAdded(activeFolder, name, fresh);
  return { kind: folder.kind, id: fresh.id, state: "active", path: destination, document: loaded.document };
}

/** The claim itself: one rename. False when another claimer moved the file first. */
function moveIntoActive(ctx: StoreContext, from: QueueFolder, to: QueueFolder, name: string): boolean {
  try {
    moveFileSync(path.join(from.dir, name), path.join(to.dir, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      ctx.cache.noteRemoved(from, name); // another claimer won the race
      return false;
    }
    throw error;
  }
  ctx.cache.noteRemoved(from, name);
  return true;
}
