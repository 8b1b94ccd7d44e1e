import type { RunListing, RunSummary } from "@millrace/contracts";
import { countRunFolders, listNewestRuns } from "./newest-runs.js";
import { listRuns } from "./run-summary.js";

export interface RunPageOptions {
  /** At most this many runs; undefined lists every run past `offset`. */
  readonly limit?: number | undefined;
  /** Skip this many of the newest runs first (0 by default). */
  readonly offset?: number | undefined;
  /**
   * Only the runs this accepts count (`runs ls --status/--item`). With a filter and a limit, the
   * total is not known without reading every run, so the page has none, and `next_offset` is given
   * whenever the page is full.
   */
  readonly keep?: ((run: RunSummary) => boolean) | undefined;
  /**
   * Whether a listing that had to `stat` every run folder may rewrite the newest-runs record (the
   * CLI's `runs ls` does; a dashboard poll does not write to the workspace). Default false.
   */
  readonly saveRecord?: boolean | undefined;
}

/**
 * One page of the run listing, counted from the newest run (what the dashboard shows first), with
 * the total and the next page's offset. Only the newest `offset + limit` run folders are read
 * (listNewestRuns). `runs` keeps the listing's order, oldest first.
 */
export function listRunPage(workspaceRoot: string, options: RunPageOptions = {}): RunListing {
  const { limit, offset = 0, keep } = options;
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new RangeError(`offset must be a whole number >= 0, got ${offset}`);
  let listing: RunListing;
  let total: number | undefined;
  if (limit === undefined) {
    // Every run folder listed: the count is the listing's own, with no second listing of `runs/`.
    const full = listRuns(workspaceRoot);
    listing = keep ? { ...full, runs: full.runs.filter(keep) } : full;
    total = listing.runs.length;
  } else {
    listing = listNewestRuns(workspaceRoot, {
      limit: offset + limit,
      saveRecord: options.saveRecord ?? false,
      ...(keep ? { keep } : {}),
    });
    total = keep ? undefined : countRunFolders(workspaceRoot);
  }
  const runs: RunSummary[] = listing.runs.slice(0, Math.max(0, listing.runs.length - offset));
  const more =
    limit !== undefined &&
    (total === undefined ? listing.runs.length === offset + limit : offset + limit < total);
  return {
    ...listing,
    runs,
    ...(total === undefined ? {} : { total }),
    limit: limit ?? null,
    offset,
    next_offset: more && limit !== undefined ? offset + limit : null,
  };
}
