import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import {
  DOCUMENT_KINDS,
  type DocumentKind,
  explainUnsafeId,
  formatEventTimestamp,
  type LineageDriftFinding,
  MillraceError,
  type Plane,
  QUEUE_FOLDER_STATES,
  type QueueFolderState,
  type QueueItemDetail,
  type QueueItemSummary,
  type QueueListing,
  type QueueReconcileReport,
  type RequeueRecord,
  RequeueRecordSchema,
  type WorkDocument,
  type WorkDocumentInput,
  workDocumentId,
} from "@millrace/contracts";
import {
  createFileExclusiveSync,
  removeTempLitter,
  TEMP_FILE_PATTERN,
  toWorkspaceRelative,
  type WorkspacePaths,
  writeFileAtomicSync,
} from "@millrace/workspace";
import { decodeDocumentBytes, MAX_DOCUMENT_BYTES } from "./codec/import.js";
import { parseWorkDocument } from "./codec/parse.js";
import { renderWorkDocument, validateWorkDocument } from "./codec/render.js";
import {
  type CachedEntry,
  entryFromDocument,
  loadDocumentFile,
  QueueCache,
  sortKeyOf,
} from "./folder-cache.js";
import { appendJsonLineSync, moveFileSync } from "./fs-ops.js";
import {
  allQueueFolders,
  documentName,
  KIND_PLANE,
  PLANE_KINDS,
  type QueueFolder,
  queueFolder,
  STATE_RANK,
} from "./layout.js";

export interface QueueStoreOptions {
  /** Injectable clock for log timestamps. */
  clock?: () => Date;
  /** The on-disk index (default `state/queue_index.json`), or false to keep the cache in memory. */
  indexFile?: string | false;
}

/** Where a work item is. `path` is absolute. */
export interface QueueItemRef {
  kind: DocumentKind;
  id: string;
  state: QueueFolderState;
  path: string;
}

export interface ClaimedItem extends QueueItemRef {
  document: WorkDocument;
}

export interface ClaimOptions {
  /** Only claim work whose effective root spec id is this one (closure-target backpressure). */
  rootSpecId?: string;
}

export interface RequeueOptions {
  /** Runtime-initiated retry (logged with `"auto": true`). */
  auto?: boolean;
  /** Who asked, recorded in the log. */
  actor?: string;
  /** Requeue from blocked instead of active. */
  from?: "active" | "blocked";
}

export type PlaneCounts = Record<Plane, number>;

/** Validates an id from the command line or a document before it touches a path (exit 2). */
export function assertSafeId(id: string, what = "id"): string {
  const problem = explainUnsafeId(id);
  if (problem) {
    throw new MillraceError("invalid_id", `invalid ${what} ${JSON.stringify(id)}: ${problem}`, {
      details: { id },
    });
  }
  return id;
}

const KIND_ORDER = new Map(DOCUMENT_KINDS.map((kind, index) => [kind, index]));

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
 * The durable queue of one workspace. Every mutation is a single rename between state folders of
 * one filesystem (or an exclusive atomic create), ordered so a kill at any instant leaves each
 * document in exactly one folder; `reconcile()` removes temp litter and resolves duplicates that
 * other writers may have produced.
 */
export class QueueStore {
  readonly cache: QueueCache;
  private readonly clock: () => Date;
  private readonly indexFile: string | undefined;

  constructor(
    readonly paths: WorkspacePaths,
    options: QueueStoreOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.cache = new QueueCache(paths);
    this.indexFile =
      options.indexFile === false
        ? undefined
        : (options.indexFile ?? path.join(paths.state, "queue_index.json"));
    if (this.indexFile) this.cache.load(this.indexFile);
  }

  folder(kind: DocumentKind, state: QueueFolderState): QueueFolder {
    return queueFolder(this.paths, kind, state);
  }

  relative(file: string): string {
    return toWorkspaceRelative(this.paths, file);
  }

  // --- lookups ------------------------------------------------------------------------------

  /** Every folder holding `<id>.md`, across all kinds and states. */
  findAll(id: string): QueueItemRef[] {
    assertSafeId(id);
    const name = documentName(id);
    const out: QueueItemRef[] = [];
    for (const folder of allQueueFolders(this.paths)) {
      const file = path.join(folder.dir, name);
      if (existsSync(file)) out.push({ kind: folder.kind, id, state: folder.state, path: file });
    }
    return out;
  }

  find(id: string): QueueItemRef | undefined {
    return this.findAll(id)[0];
  }

  /** Like find, but throws queue_item_not_found. */
  locate(id: string, kind?: DocumentKind): QueueItemRef {
    const found = this.findAll(id).filter((ref) => kind === undefined || ref.kind === kind);
    const first = found[0];
    if (!first) {
      throw new MillraceError(
        "queue_item_not_found",
        `no ${kind ?? "work item"} with id ${id} in any queue folder`,
        { details: { id } },
      );
    }
    return first;
  }

  /** Reads and validates the document at a ref. */
  readDocument(ref: QueueItemRef): WorkDocument {
    const relative = this.relative(ref.path);
    let bytes: Buffer;
    try {
      bytes = readFileSync(ref.path);
    } catch (error) {
      throw new MillraceError(
        "queue_item_not_found",
        `${relative} cannot be read: ${(error as Error).message}`,
      );
    }
    return parseWorkDocument(decodeDocumentBytes(bytes, relative), { file: relative, kind: ref.kind });
  }

  // --- enqueue ------------------------------------------------------------------------------

  /**
   * Renders a document into its kind's claimable folder. The id must be unused in every state of
   * every kind; the file is created exclusively and atomically.
   */
  enqueue(kind: DocumentKind, input: WorkDocumentInput | WorkDocument): QueueItemRef {
    const declared = (input as { kind?: unknown }).kind;
    if (declared !== undefined && declared !== kind) {
      throw new MillraceError(
        "work_document_invalid",
        `the document is a ${String(declared)}, not a ${kind}`,
      );
    }
    const doc = validateWorkDocument({ ...input, kind } as WorkDocumentInput);
    const id = assertSafeId(workDocumentId(doc));
    const existing = this.find(id);
    if (existing) {
      throw new MillraceError(
        "queue_id_exists",
        `${id} already exists as a ${existing.kind} in ${this.relative(path.dirname(existing.path))}`,
        { details: { id, kind: existing.kind, state: existing.state, path: this.relative(existing.path) } },
      );
    }
    const text = renderWorkDocument(doc);
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > MAX_DOCUMENT_BYTES) {
      throw new MillraceError(
        "work_document_too_large",
        `${id}: the rendered document is ${bytes} bytes; the limit is ${MAX_DOCUMENT_BYTES} bytes (1 MiB)`,
      );
    }
    const folder = this.folder(kind, "queue");
    const name = documentName(id);
    const target = path.join(folder.dir, name);
    if (!existsSync(folder.dir)) mkdirSync(folder.dir, { recursive: true });
    if (!createFileExclusiveSync(target, text)) {
      throw new MillraceError("queue_id_exists", `${id} already exists in ${this.relative(folder.dir)}`);
    }
    this.cache.noteAdded(folder, name, entryFromDocument(doc, statSync(target)));
    return { kind, id, state: "queue", path: target };
  }

  // --- claim --------------------------------------------------------------------------------

  /** The documents in a plane's active folders. */
  activeOn(plane: Plane): QueueItemRef[] {
    const out: QueueItemRef[] = [];
    for (const kind of PLANE_KINDS[plane]) {
      const folder = this.folder(kind, "active");
      for (const [name, entry] of this.cache.sync(folder).entries) {
        out.push({ kind, id: entry.id, state: "active", path: path.join(folder.dir, name) });
      }
    }
    return out;
  }

  /** Every active document on every plane. */
  activeItems(): QueueItemRef[] {
    return (["execution", "planning", "learning"] as const).flatMap((plane) => this.activeOn(plane));
  }

  /**
   * Claims the next item of a plane: nothing when the plane already has an active item; otherwise
   * the oldest eligible item (by timestamp, then id) is renamed into its active folder. Planning
   * claims incidents first, then specs and probes by (created_at, kind, id); probes are skipped under
   * a root-spec filter. Tasks are eligible only when every `depends_on` id is in tasks/done.
   * Unreadable documents met on the way are quarantined.
   */
  claimNext(plane: Plane, options: ClaimOptions = {}): ClaimedItem | undefined {
    const active = this.activeOn(plane);
    if (active.length > 1) {
      throw new MillraceError(
        "queue_state_conflict",
        `the ${plane} plane has ${active.length} active items (${active.map((ref) => ref.id).join(", ")}); at most one is allowed`,
        { hint: "Run `millrace clear-stale-state` to requeue them." },
      );
    }
    if (active.length === 1) return undefined;
    const groups: DocumentKind[][] =
      plane === "planning" ? [["incident"], ["spec", "probe"]] : [[...PLANE_KINDS[plane]]];
    for (let attempt = 0; attempt < 64; attempt += 1) {
      let candidate: Candidate | undefined;
      for (const group of groups) {
        candidate = this.pickCandidate(group, options);
        if (candidate) break;
      }
      if (!candidate) return undefined;
      const claimed = this.tryClaim(candidate);
      if (claimed) return claimed;
    }
    throw new MillraceError(
      "queue_state_conflict",
      `could not claim on the ${plane} plane: the queue kept changing`,
    );
  }

  private pickCandidate(kinds: readonly DocumentKind[], options: ClaimOptions): Candidate | undefined {
    let best: Candidate | undefined;
    const done = kinds.includes("task") ? this.cache.sync(this.folder("task", "done")).entries : undefined;
    for (const kind of kinds) {
      if (kind === "probe" && options.rootSpecId !== undefined) continue;
      const folder = this.folder(kind, "queue");
      const view = this.cache.sync(folder);
      const invalid: Array<[string, string]> = [];
      // The order is sorted, so the first eligible name is this kind's oldest eligible item.
      for (const name of view.ordered()) {
        const entry = view.entries.get(name);
        if (!entry) continue;
        if (entry.error !== null) {
          invalid.push([name, entry.error]);
          continue;
        }
        if (options.rootSpecId !== undefined && entry.root_spec_id !== options.rootSpecId) continue;
        if (done && entry.depends_on.length > 0) {
          let ready = true;
          for (const dep of entry.depends_on) {
            if (!done.has(documentName(dep))) {
              ready = false;
              break;
            }
          }
          if (!ready) continue;
        }
        const current: Candidate = { folder, name, entry, key: sortKeyOf(entry) };
        if (!best || before(current, best)) best = current;
        break;
      }
      for (const [name, error] of invalid) this.quarantine(folder, name, error);
    }
    return best;
  }

  /** Re-reads the chosen file (it may have changed since it was cached) and renames it into active. */
  private tryClaim(candidate: Candidate): ClaimedItem | undefined {
    const { folder, name } = candidate;
    const loaded = loadDocumentFile(this.paths, folder, name);
    if (!loaded) {
      this.cache.noteRemoved(folder, name);
      return undefined;
    }
    if (!loaded.document || loaded.entry.error !== null) {
      this.quarantine(folder, name, loaded.entry.error ?? "unreadable");
      return undefined;
    }
    const fresh = loaded.entry;
    const cached = candidate.entry;
    if (
      fresh.timestamp !== cached.timestamp ||
      fresh.root_spec_id !== cached.root_spec_id ||
      fresh.depends_on.join("\n") !== cached.depends_on.join("\n")
    ) {
      this.cache.view(folder).set(name, fresh); // changed in place: choose again
      return undefined;
    }
    // Ids are unique across every folder of every kind. A document written straight into a queue
    // folder (by a stage, not through enqueue) under an id that exists elsewhere is set aside.
    const elsewhere = this.findAll(fresh.id).filter((ref) => ref.path !== path.join(folder.dir, name));
    if (elsewhere.length > 0) {
      const first = elsewhere[0] as QueueItemRef;
      this.quarantine(
        folder,
        name,
        `duplicate id: ${fresh.id} already exists as ${this.relative(first.path)}`,
      );
      return undefined;
    }
    const activeFolder = this.folder(folder.kind, "active");
    const source = path.join(folder.dir, name);
    const destination = path.join(activeFolder.dir, name);
    try {
      moveFileSync(source, destination);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        this.cache.noteRemoved(folder, name); // another claimer won the race
        return undefined;
      }
      throw error;
    }
    this.cache.noteRemoved(folder, name);
    this.cache.noteAdded(activeFolder, name, fresh);
    return { kind: folder.kind, id: fresh.id, state: "active", path: destination, document: loaded.document };
  }

  // --- transitions --------------------------------------------------------------------------

  private transition(
    kind: DocumentKind,
    id: string,
    from: QueueFolderState,
    to: QueueFolderState,
    beforeMove?: () => void,
  ): QueueItemRef {
    assertSafeId(id);
    const name = documentName(id);
    const source = this.folder(kind, from);
    const target = this.folder(kind, to);
    const sourcePath = path.join(source.dir, name);
    if (!existsSync(sourcePath)) {
      const where = this.findAll(id).map((ref) => `${ref.kind} in ${this.relative(path.dirname(ref.path))}`);
      throw new MillraceError(
        "queue_state_conflict",
        `${kind} ${id} is not ${from === "queue" ? "queued" : from}${where.length ? ` (found: ${where.join(", ")})` : " (not found)"}`,
        { details: { kind, id, expected_state: from } },
      );
    }
    const targetPath = path.join(target.dir, name);
    if (existsSync(targetPath)) {
      throw new MillraceError(
        "queue_state_conflict",
        `${kind} ${id} already exists in ${this.relative(target.dir)}; refusing to overwrite it`,
      );
    }
    beforeMove?.();
    moveFileSync(sourcePath, targetPath);
    const entry = this.cache.view(source).entries.get(name);
    this.cache.noteRemoved(source, name);
    const moved = entry ?? loadDocumentFile(this.paths, target, name)?.entry;
    if (moved) this.cache.noteAdded(target, name, moved);
    return { kind, id, state: to, path: targetPath };
  }

  /** active → done (resolved for incidents). */
  complete(kind: DocumentKind, id: string): QueueItemRef {
    return this.transition(kind, id, "active", "done");
  }

  /** active → blocked. */
  block(kind: DocumentKind, id: string): QueueItemRef {
    return this.transition(kind, id, "active", "blocked");
  }

  /**
   * Activates one named queued item (queue → active), for callers that choose the item themselves;
   * `claimNext` is the normal path. Refused when the plane already has an active item.
   */
  activate(kind: DocumentKind, id: string): QueueItemRef {
    const plane = KIND_PLANE[kind];
    const active = this.activeOn(plane);
    if (active.length > 0) {
      throw new MillraceError(
        "queue_state_conflict",
        `the ${plane} plane already has an active item (${active.map((ref) => ref.id).join(", ")})`,
      );
    }
    return this.transition(kind, id, "queue", "active");
  }

  /**
   * active (or blocked) → claimable, with a non-blank reason appended to `<claimable>/<id>.requeue.jsonl`.
   * The log line is written first: a kill between the two steps leaves a logged reason for a move a
   * later requeue completes, never a move without its reason.
   */
  requeue(kind: DocumentKind, id: string, reason: string, options: RequeueOptions = {}): QueueItemRef {
    const cleaned = reason.trim();
    if (!cleaned) {
      throw new MillraceError("queue_reason_required", `requeueing ${kind} ${id} needs a non-blank reason`);
    }
    assertSafeId(id);
    const record: RequeueRecord = {
      at: formatEventTimestamp(this.clock()),
      kind,
      reason: cleaned,
      ...(options.auto ? { auto: true } : {}),
      ...(options.actor ? { actor: options.actor } : {}),
    };
    const log = path.join(this.folder(kind, "queue").dir, `${id}.requeue.jsonl`);
    return this.transition(kind, id, options.from ?? "active", "queue", () =>
      appendJsonLineSync(log, record),
    );
  }

  /** Requeues every active item on every plane (operator `clear-stale-state`). */
  requeueAllActive(reason: string, options: Omit<RequeueOptions, "from"> = {}): QueueItemRef[] {
    return this.activeItems().map((ref) => this.requeue(ref.kind, ref.id, reason, options));
  }

  /** The requeue log of an item (tolerates a torn last line). */
  requeueLog(kind: DocumentKind, id: string): RequeueRecord[] {
    assertSafeId(id);
    const file = path.join(this.folder(kind, "queue").dir, `${id}.requeue.jsonl`);
    return readJsonLines(file, (value) => RequeueRecordSchema.safeParse(value));
  }

  /**
   * Sets an unreadable document aside: `<name>.invalid` (or `.invalid.<n>`) plus a line in the
   * folder's `invalid-artifacts.jsonl`. The record is written before the rename.
   */
  quarantine(folder: QueueFolder, name: string, error: string): string {
    let quarantineName = `${name}.invalid`;
    for (let n = 1; existsSync(path.join(folder.dir, quarantineName)); n += 1)
      quarantineName = `${name}.invalid.${n}`;
    appendJsonLineSync(path.join(folder.dir, "invalid-artifacts.jsonl"), {
      at: formatEventTimestamp(this.clock()),
      source_name: name,
      quarantine_name: quarantineName,
      error,
    });
    try {
      renameSync(path.join(folder.dir, name), path.join(folder.dir, quarantineName));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    this.cache.noteRemoved(folder, name);
    return path.join(folder.dir, quarantineName);
  }

  /** Rewrites a document in place, atomically (lineage repair, dependency retargeting). */
  rewrite(ref: QueueItemRef, input: WorkDocumentInput | WorkDocument): WorkDocument {
    const doc = validateWorkDocument({ ...input, kind: ref.kind } as WorkDocumentInput);
    if (workDocumentId(doc) !== ref.id) {
      throw new MillraceError(
        "work_document_invalid",
        `a rewrite cannot change the id of ${ref.kind} ${ref.id}`,
      );
    }
    writeFileAtomicSync(ref.path, renderWorkDocument(doc));
    this.cache.noteAdded(
      this.folder(ref.kind, ref.state),
      documentName(ref.id),
      entryFromDocument(doc, statSync(ref.path)),
    );
    return doc;
  }

  // --- reads --------------------------------------------------------------------------------

  counts(): Record<DocumentKind, Record<QueueFolderState, number>> {
    const out = {} as Record<DocumentKind, Record<QueueFolderState, number>>;
    for (const kind of DOCUMENT_KINDS) {
      const perState = {} as Record<QueueFolderState, number>;
      for (const state of QUEUE_FOLDER_STATES)
        perState[state] = this.cache.sync(this.folder(kind, state)).entries.size;
      out[kind] = perState;
    }
    return out;
  }

  /** Claimable documents per plane. */
  depths(): PlaneCounts {
    const depth = (kinds: readonly DocumentKind[]) =>
      kinds.reduce((sum, kind) => sum + this.cache.sync(this.folder(kind, "queue")).entries.size, 0);
    return {
      execution: depth(PLANE_KINDS.execution),
      planning: depth(PLANE_KINDS.planning),
      learning: depth(PLANE_KINDS.learning),
    };
  }

  activeCounts(): PlaneCounts {
    return {
      execution: this.activeOn("execution").length,
      planning: this.activeOn("planning").length,
      learning: this.activeOn("learning").length,
    };
  }

  /** Summaries from the index (no parsing unless a file is new to the cache), oldest first per folder. */
  list(filter: { kind?: DocumentKind; state?: QueueFolderState } = {}): QueueItemSummary[] {
    const out: QueueItemSummary[] = [];
    for (const folder of allQueueFolders(this.paths)) {
      if (filter.kind && folder.kind !== filter.kind) continue;
      if (filter.state && folder.state !== filter.state) continue;
      const rows = [...this.cache.sync(folder).entries].map(([name, entry]) => ({
        name,
        entry,
        key: sortKeyOf(entry),
      }));
      rows.sort((a, b) => (a.key === b.key ? (a.entry.id < b.entry.id ? -1 : 1) : a.key < b.key ? -1 : 1));
      const dir = this.relative(folder.dir);
      for (const { name, entry } of rows) {
        out.push({
          kind: folder.kind,
          id: entry.id,
          state: folder.state,
          path: `${dir}/${name}`,
          title: entry.title,
          timestamp: entry.timestamp,
          root_spec_id: entry.root_spec_id,
          depends_on: entry.depends_on,
          error: entry.error,
        });
      }
    }
    return out;
  }

  /** The `queue ls --json` answer. */
  listing(filter: { kind?: DocumentKind; state?: QueueFolderState } = {}): QueueListing {
    return {
      depths: this.depths(),
      active: this.activeCounts(),
      counts: this.counts(),
      items: this.list(filter),
    };
  }

  /** The `queue show --json` answer. */
  show(id: string, kind?: DocumentKind): QueueItemDetail {
    const ref = this.locate(id, kind);
    const document = this.readDocument(ref);
    return {
      kind: ref.kind,
      id,
      state: ref.state,
      path: this.relative(ref.path),
      title: document.title,
      document,
      requeues: this.requeueLog(ref.kind, id),
    };
  }

  // --- lineage ------------------------------------------------------------------------------

  /**
   * Ids of open work (queued, active or blocked tasks, specs and incidents) whose effective root
   * spec is `rootSpecId`, in scan order (tasks, specs, incidents; queue, active, blocked), deduped.
   * Unreadable files are ignored.
   */
  openLineageWork(rootSpecId: string): string[] {
    const seen = new Set<string>();
    for (const kind of ["task", "spec", "incident"] as const) {
      for (const state of ["queue", "active", "blocked"] as const) {
        for (const entry of this.cache.sync(this.folder(kind, state)).entries.values()) {
          if (entry.error === null && entry.root_spec_id === rootSpecId) seen.add(entry.id);
        }
      }
    }
    return [...seen];
  }

  /**
   * Lineage drift for an open closure target: open work (queue, active, blocked tasks, specs and
   * incidents) whose effective root spec is not the target's, although it shares the target's root
   * idea, or names a known alias of the target's root spec (`idea-idea-X` is an alias of `idea-X`).
   * Sorted by (path, id); unreadable files are ignored.
   */
  lineageDrift(target: { rootSpecId: string; rootIdeaId: string }): LineageDriftFinding[] {
    const aliases = new Set<string>();
    if (target.rootSpecId.startsWith("idea-idea-")) aliases.add(target.rootSpecId.slice("idea-".length));
    const findings: LineageDriftFinding[] = [];
    for (const kind of ["task", "spec", "incident"] as const) {
      for (const state of ["queue", "active", "blocked"] as const) {
        const folder = this.folder(kind, state);
        for (const [name, entry] of this.cache.sync(folder).entries) {
          if (entry.error !== null || entry.root_spec_id === target.rootSpecId) continue;
          let reason: LineageDriftFinding["diagnostic_reason"] | undefined;
          if (entry.root_idea_id !== null && entry.root_idea_id === target.rootIdeaId) {
            reason = "same_root_idea_different_root_spec";
          } else if (
            (entry.root_spec_id !== null && aliases.has(entry.root_spec_id)) ||
            (entry.spec_id !== null && aliases.has(entry.spec_id))
          ) {
            reason = "known_root_spec_alias";
          }
          if (!reason) continue;
          findings.push({
            work_item_kind: kind,
            work_item_id: entry.id,
            state,
            path: this.relative(path.join(folder.dir, name)),
            expected_root_spec_id: target.rootSpecId,
            actual_root_spec_id: entry.root_spec_id,
            root_idea_id: entry.root_idea_id,
            spec_id: entry.spec_id,
            diagnostic_reason: reason,
          });
        }
      }
    }
    return findings.sort((a, b) =>
      a.path === b.path ? (a.work_item_id < b.work_item_id ? -1 : 1) : a.path < b.path ? -1 : 1,
    );
  }

  /** Root specs waiting in specs/queue whose root is not the open one, oldest first. */
  deferredRootSpecs(openRootSpecId: string): string[] {
    const view = this.cache.sync(this.folder("spec", "queue"));
    return [...view.entries.values()]
      .filter((entry) => entry.error === null && entry.is_root_spec && entry.root_spec_id !== openRootSpecId)
      .sort((a, b) =>
        sortKeyOf(a) === sortKeyOf(b) ? (a.id < b.id ? -1 : 1) : sortKeyOf(a) < sortKeyOf(b) ? -1 : 1,
      )
      .map((entry) => entry.id);
  }

  // --- reconciliation and persistence -------------------------------------------------------

  /**
   * Startup repair after a crash: removes temp litter from the queue folders, re-lists every folder
   * (re-checking each unfinished document's size, mtime and inode), and resolves an id found in more than one folder by keeping the copy in the most advanced state
   * (done > blocked > active > queue; on a tie, the first kind in catalog order) and quarantining
   * the others. Reports (but does not move) unreadable files and planes with several active items.
   */
  reconcile(): QueueReconcileReport {
    const folders = allQueueFolders(this.paths);
    const removed = removeTempLitter(folders.map((folder) => folder.dir));
    if (this.indexFile) removed.push(...removeIndexTemps(this.indexFile));
    const byId = new Map<string, Array<{ folder: QueueFolder; name: string }>>();
    for (const folder of folders) {
      // Unfinished work is re-checked file by file (an in-place edit does not move a directory
      // mtime); finished folders only grow, so their listing is enough.
      const view =
        folder.state === "done" ? this.cache.sync(folder, { force: true }) : this.cache.verify(folder);
      for (const name of view.entries.keys()) {
        const list = byId.get(name) ?? [];
        list.push({ folder, name });
        byId.set(name, list);
      }
    }
    const duplicates: QueueReconcileReport["duplicates"] = [];
    for (const [name, copies] of byId) {
      if (copies.length < 2) continue;
      const ranked = [...copies].sort((a, b) => {
        const rank = STATE_RANK[b.folder.state] - STATE_RANK[a.folder.state];
        return rank !== 0
          ? rank
          : (KIND_ORDER.get(a.folder.kind) ?? 0) - (KIND_ORDER.get(b.folder.kind) ?? 0);
      });
      const [kept, ...others] = ranked as [(typeof ranked)[number], ...typeof ranked];
      const keptPath = this.relative(path.join(kept.folder.dir, kept.name));
      const setAside = others.map((copy) =>
        this.relative(this.quarantine(copy.folder, copy.name, `duplicate of ${keptPath}`)),
      );
      duplicates.push({ id: name.slice(0, -3), kept: keptPath, set_aside: setAside });
    }
    const invalid: QueueReconcileReport["invalid_files"] = [];
    for (const folder of folders) {
      for (const [name, entry] of this.cache.view(folder).entries) {
        if (entry.error !== null)
          invalid.push({ path: this.relative(path.join(folder.dir, name)), error: entry.error });
      }
    }
    const multiple: QueueReconcileReport["multiple_active"] = [];
    for (const plane of ["execution", "planning", "learning"] as const) {
      const active = this.activeOn(plane);
      if (active.length > 1) multiple.push({ plane, ids: active.map((ref) => ref.id) });
    }
    this.flush();
    return {
      temp_files_removed: removed.map((file) => this.relative(file)),
      duplicates,
      multiple_active: multiple,
      invalid_files: invalid,
    };
  }

  /** Saves the index when anything changed (call after a batch of operations, or on shutdown). */
  flush(): void {
    if (this.indexFile && this.cache.dirty && existsSync(path.dirname(this.indexFile))) {
      this.cache.save(this.indexFile);
    }
  }

  close(): void {
    this.flush();
  }
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
    if (name.startsWith(prefix) && TEMP_FILE_PATTERN.test(name)) {
      rmSync(path.join(dir, name), { force: true });
      removed.push(path.join(dir, name));
    }
  }
  return removed;
}

/** Reads a JSONL file, keeping only lines that parse and validate; a torn last line is skipped. */
export function readJsonLines<T>(
  file: string,
  check: (value: unknown) => { success: boolean; data?: T },
): T[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const result = check(JSON.parse(line));
      if (result.success && result.data !== undefined) out.push(result.data);
    } catch {
      // torn or foreign line
    }
  }
  return out;
}

export function openQueueStore(paths: WorkspacePaths, options: QueueStoreOptions = {}): QueueStore {
  return new QueueStore(paths, options);
}

/** Opens the store, reconciles it and saves the index: what the engine runs at startup. */
export function reconcileQueue(paths: WorkspacePaths, options: QueueStoreOptions = {}): QueueReconcileReport {
  const store = openQueueStore(paths, options);
  return store.reconcile();
}
