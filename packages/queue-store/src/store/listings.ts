import {
  DOCUMENT_KINDS,
  type DocumentKind,
  QUEUE_FOLDER_STATES,
  type QueueFolderState,
  type QueueItemDetail,
  type QueueItemSummary,
  type QueueListing,
} from "@millrace/contracts";
import { nameAt, rowsInClaimOrder } from "../cache/index-file.js";
import { allQueueFolders, PLANE_KINDS } from "../layout.js";
import { activeCounts, type PlaneCounts } from "./active.js";
import { folderOf, relativeOf, type StoreContext } from "./context.js";
import { readDocument } from "./documents.js";
import { locate } from "./lookup.js";
import { requeueLog } from "./transitions.js";

/**
 * A listing's default page: at most this many items of each (kind, state) folder, unless a limit or
 * "all" says otherwise (`queue ls`, the dashboard's `/queue`). A supervising agent polls the listing,
 * and every item of a 10,000-item queue is 3 MB of JSON (docs/performance.md, "Ninth pass"). The
 * counts always cover every folder.
 */
export const QUEUE_LISTING_DEFAULT_LIMIT = 100;

export interface ListFilter {
  kind?: DocumentKind;
  state?: QueueFolderState;
  /**
   * Paging, per (kind, state) folder: of each folder's items in claim order, skip `offset` and keep
   * at most `limit`. Only the kept items are built, so a page of a 10,000-item folder costs a page.
   */
  limit?: number;
  offset?: number;
}

/** A non-negative whole number of items to skip, or a positive one to keep; anything else throws. */
function pageBound(value: number | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < min)
    throw new RangeError(`list ${name} must be a whole number >= ${min}, got ${value}`);
  return value;
}

export function counts(ctx: StoreContext): Record<DocumentKind, Record<QueueFolderState, number>> {
  const out = {} as Record<DocumentKind, Record<QueueFolderState, number>>;
  for (const kind of DOCUMENT_KINDS) {
    const perState = {} as Record<QueueFolderState, number>;
    for (const state of QUEUE_FOLDER_STATES)
      perState[state] = ctx.cache.sync(folderOf(ctx, kind, state)).size;
    out[kind] = perState;
  }
  return out;
}

/** Claimable documents per plane. */
export function depths(ctx: StoreContext): PlaneCounts {
  const depth = (kinds: readonly DocumentKind[]) =>
    kinds.reduce((sum, kind) => sum + ctx.cache.sync(folderOf(ctx, kind, "queue")).size, 0);
  return {
    execution: depth(PLANE_KINDS.execution),
    planning: depth(PLANE_KINDS.planning),
    learning: depth(PLANE_KINDS.learning),
  };
}

/**
 * Summaries from the index (no parsing unless a file is new to the cache), oldest first per folder.
 * Read from the folder's columns: a view seeded from the saved index builds no entry objects.
 */
export function list(ctx: StoreContext, filter: ListFilter = {}): QueueItemSummary[] {
  return page(ctx, filter).items;
}

/** The filtered items of one page, and how many the filter matched in all. */
function page(
  ctx: StoreContext,
  filter: ListFilter,
): { items: QueueItemSummary[]; total: number; more: boolean } {
  const limit = pageBound(filter.limit, "limit", 1);
  const offset = pageBound(filter.offset, "offset", 0) ?? 0;
  const out: QueueItemSummary[] = [];
  let total = 0;
  let more = false;
  for (const folder of allQueueFolders(ctx.paths)) {
    if (filter.kind && folder.kind !== filter.kind) continue;
    if (filter.state && folder.state !== filter.state) continue;
    const columns = ctx.cache.sync(folder).columns();
    const { id, title, timestamp } = columns;
    const order = rowsInClaimOrder(columns);
    total += order.length;
    const end = limit === undefined ? order.length : Math.min(order.length, offset + limit);
    if (end < order.length) more = true;
    const dir = relativeOf(ctx, folder.dir);
    for (let at = offset; at < end; at += 1) {
      const i = order[at] as number;
      out.push({
        kind: folder.kind,
        id: id[i] as string,
        state: folder.state,
        path: `${dir}/${nameAt(columns, i)}`,
        title: title[i] as string,
        timestamp: timestamp[i] as string,
        root_spec_id: columns.root_spec_id?.[i] ?? null,
        depends_on: columns.depends_on?.[i] ?? [],
        error: columns.error?.[i] ?? null,
      });
    }
  }
  return { items: out, total, more };
}

/** The `queue ls --json` answer: counts of every folder, and the filter's items (one page of them with a limit or offset). */
export function listing(ctx: StoreContext, filter: ListFilter = {}): QueueListing {
  const { items, total, more } = page(ctx, filter);
  const offset = filter.offset ?? 0;
  return {
    depths: depths(ctx),
    active: activeCounts(ctx),
    counts: counts(ctx),
    items,
    total,
    limit: filter.limit ?? null,
    offset,
    next_offset: more && filter.limit !== undefined ? offset + filter.limit : null,
  };
}

/** The `queue show --json` answer. */
export function show(ctx: StoreContext, id: string, kind?: DocumentKind): QueueItemDetail {
  const ref = locate(ctx, id, kind);
  const document = readDocument(ctx, ref);
  return {
    kind: ref.kind,
    id,
    state: ref.state,
    path: relativeOf(ctx, ref.path),
    title: document.title,
    document,
    requeues: requeueLog(ctx, ref.kind, id),
  };
}
