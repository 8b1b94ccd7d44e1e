import { existsSync } from "node:fs";
import path from "node:path";
import type {
  DocumentKind,
  LineageDriftFinding,
  Plane,
  QueueFolderState,
  QueueItemDetail,
  QueueItemSummary,
  QueueListing,
  QueueReconcileReport,
  RequeueRecord,
  WorkDocument,
  WorkDocumentInput,
} from "@millrace/contracts";
import { type WorkspacePaths, workspaceReadLimits } from "@millrace/workspace";
import { QueueCache } from "../cache/queue-cache.js";
import type { QueueFolder } from "../layout.js";
import { activeCounts, activeItems, activeOn, type PlaneCounts } from "./active.js";
import { type ClaimedItem, type ClaimOptions, claimNext } from "./claims.js";
import { folderOf, relativeOf, type StoreContext } from "./context.js";
import { enqueue, readDocument, rewrite } from "./documents.js";
import { type ClosureTarget, deferredRootSpecs, lineageDrift, openLineageWork } from "./lineage.js";
import { counts, depths, type ListFilter, list, listing, show } from "./listings.js";
import { findAll, locate, type QueueItemRef } from "./lookup.js";
import { quarantine } from "./quarantine.js";
import { reconcileFolders } from "./reconcile.js";
import {
  activate,
  block,
  blockDone,
  complete,
  type RequeueOptions,
  reopenDone,
  requeue,
  requeueAllActive,
  requeueLog,
} from "./transitions.js";

export interface QueueStoreOptions {
  /** Injectable clock for log timestamps. */
  clock?: () => Date;
  /** The on-disk index (default `state/queue_index.json`), or false to keep the cache in memory. */
  indexFile?: string | false;
  /**
   * The document cap in bytes, or a function asked at each read (a daemon's, so config reloads
   * apply). Default: the workspace's `[limits] max_document_bytes`, read once, at the first document read.
   */
  maxDocumentBytes?: number | (() => number);
}

function documentLimitOption(
  paths: WorkspacePaths,
  option: QueueStoreOptions["maxDocumentBytes"],
): () => number {
  if (typeof option === "function") return option;
  if (option !== undefined) return () => option;
  // Read at the first document read, not at open: a listing served from the index reads no
  // document, and loading the config is a measurable share of a cold `queue ls`.
  let limit: number | undefined;
  return () => {
    limit ??= workspaceReadLimits(paths).max_document_bytes;
    return limit;
  };
}

/**
 * The durable queue of one workspace. Every mutation is a single rename between state folders of
 * one filesystem (or an exclusive atomic create), ordered so a kill at any instant leaves each
 * document in exactly one folder; `reconcile()` removes temp litter and resolves duplicates that
 * other writers may have produced.
 *
 * The class is the public face; each job lives in its own module under `store/` as functions of a
 * `StoreContext`, and the methods here only delegate.
 */
export class QueueStore {
  readonly cache: QueueCache;
  private readonly ctx: StoreContext;
  private readonly indexFile: string | undefined;

  constructor(
    readonly paths: WorkspacePaths,
    options: QueueStoreOptions = {},
  ) {
    const documentLimit = documentLimitOption(paths, options.maxDocumentBytes);
    this.cache = new QueueCache(paths, Date.now, documentLimit);
    this.ctx = { paths, cache: this.cache, clock: options.clock ?? (() => new Date()), documentLimit };
    this.indexFile =
      options.indexFile === false
        ? undefined
        : (options.indexFile ?? path.join(paths.state, "queue_index.json"));
    if (this.indexFile) this.cache.load(this.indexFile);
  }

  folder(kind: DocumentKind, state: QueueFolderState): QueueFolder {
    return folderOf(this.ctx, kind, state);
  }

  relative(file: string): string {
    return relativeOf(this.ctx, file);
  }

  // --- lookups and documents (lookup.ts, documents.ts) ---------------------------------------

  /** Every folder holding `<id>.md`, across all kinds and states. */
  findAll(id: string): QueueItemRef[] {
    return findAll(this.ctx, id);
  }

  find(id: string): QueueItemRef | undefined {
    return findAll(this.ctx, id)[0];
  }

  /** Like find, but throws queue_item_not_found. */
  locate(id: string, kind?: DocumentKind): QueueItemRef {
    return locate(this.ctx, id, kind);
  }

  /** Reads and validates the document at a ref. */
  readDocument(ref: QueueItemRef): WorkDocument {
    return readDocument(this.ctx, ref);
  }

  /** Creates `<queue>/<id>.md` exclusively; the id must be unused in every state of every kind. */
  enqueue(kind: DocumentKind, input: WorkDocumentInput | WorkDocument): QueueItemRef {
    return enqueue(this.ctx, kind, input);
  }

  /** Rewrites a document in place, atomically (lineage repair, dependency retargeting). */
  rewrite(ref: QueueItemRef, input: WorkDocumentInput | WorkDocument): WorkDocument {
    return rewrite(this.ctx, ref, input);
  }

  // --- claims and transitions (claims.ts, transitions.ts) ------------------------------------

  /** The documents in a plane's active folders. */
  activeOn(plane: Plane): QueueItemRef[] {
    return activeOn(this.ctx, plane);
  }

  /** Every active document on every plane. */
  activeItems(): QueueItemRef[] {
    return activeItems(this.ctx);
  }

  /** The oldest eligible item of a plane, moved into active; undefined when none or the plane is busy. */
  claimNext(plane: Plane, options: ClaimOptions = {}): ClaimedItem | undefined {
    return claimNext(this.ctx, plane, options);
  }

  /** active → done (resolved for incidents). */
  complete(kind: DocumentKind, id: string): QueueItemRef {
    return complete(this.ctx, kind, id);
  }

  /** active → blocked. */
  block(kind: DocumentKind, id: string): QueueItemRef {
    return block(this.ctx, kind, id);
  }

  /** done → blocked, for finished work that could not land (a lane's merge conflict). */
  blockDone(kind: DocumentKind, id: string): QueueItemRef {
    return blockDone(this.ctx, kind, id);
  }

  /** done → active, for finished work handed back to a stage (a lane's merge stage). */
  reopenDone(kind: DocumentKind, id: string): QueueItemRef {
    return reopenDone(this.ctx, kind, id);
  }

  /** queue → active for a named item; refused when the plane already has an active item. */
  activate(kind: DocumentKind, id: string): QueueItemRef {
    return activate(this.ctx, kind, id);
  }

  /** active (or blocked) → claimable, logging the reason first. */
  requeue(kind: DocumentKind, id: string, reason: string, options: RequeueOptions = {}): QueueItemRef {
    return requeue(this.ctx, kind, id, reason, options);
  }

  /** Requeues every active item on every plane (operator `clear-stale-state`). */
  requeueAllActive(reason: string, options: Omit<RequeueOptions, "from"> = {}): QueueItemRef[] {
    return requeueAllActive(this.ctx, reason, options);
  }

  /** The requeue log of an item (tolerates a torn last line). */
  requeueLog(kind: DocumentKind, id: string): RequeueRecord[] {
    return requeueLog(this.ctx, kind, id);
  }

  /** Sets an unreadable document aside as `<name>.invalid[.<n>]`, logged first; returns the new path. */
  quarantine(folder: QueueFolder, name: string, error: string): string {
    return quarantine(this.ctx, folder, name, error);
  }

  // --- reads (listings.ts, lineage.ts) --------------------------------------------------------

  counts(): Record<DocumentKind, Record<QueueFolderState, number>> {
    return counts(this.ctx);
  }

  /** Claimable documents per plane. */
  depths(): PlaneCounts {
    return depths(this.ctx);
  }

  activeCounts(): PlaneCounts {
    return activeCounts(this.ctx);
  }

  /** Summaries from the index (no parsing unless a file is new to the cache), oldest first per folder. */
  list(filter: ListFilter = {}): QueueItemSummary[] {
    return list(this.ctx, filter);
  }

  /** The `queue ls --json` answer. */
  listing(filter: ListFilter = {}): QueueListing {
    return listing(this.ctx, filter);
  }

  /** The `queue show --json` answer. */
  show(id: string, kind?: DocumentKind): QueueItemDetail {
    return show(this.ctx, id, kind);
  }

  /** Ids of open work whose effective root spec is `rootSpecId`. */
  openLineageWork(rootSpecId: string): string[] {
    return openLineageWork(this.ctx, rootSpecId);
  }

  /** Open work that drifted from an open closure target. */
  lineageDrift(target: ClosureTarget): LineageDriftFinding[] {
    return lineageDrift(this.ctx, target);
  }

  /** Root specs waiting in specs/queue whose root is not the open one, oldest first. */
  deferredRootSpecs(openRootSpecId: string): string[] {
    return deferredRootSpecs(this.ctx, openRootSpecId);
  }

  // --- reconciliation and persistence (reconcile.ts) -------------------------------------------

  /** Startup repair after a crash (see `reconcileFolders`), then the index is saved. */
  reconcile(): QueueReconcileReport {
    const report = reconcileFolders(this.ctx, this.indexFile);
    this.flush();
    return report;
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

export function openQueueStore(paths: WorkspacePaths, options: QueueStoreOptions = {}): QueueStore {
  return new QueueStore(paths, options);
}

/** Opens the store, reconciles it and saves the index: what the engine runs at startup. */
export function reconcileQueue(paths: WorkspacePaths, options: QueueStoreOptions = {}): QueueReconcileReport {
  return openQueueStore(paths, options).reconcile();
}
