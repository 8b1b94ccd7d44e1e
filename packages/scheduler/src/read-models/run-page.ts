import type { RunListing, RunSummary } from "@millrace/contracts";
import { countRunFolders, listNewestRuns } from "./newest-runs.js";
import { listRuns } from "./run-summary.js";

export interface RunPageOptions {
  /** At most this many runs; undefined lists every run past `offset`. */
  readonly limit?: number | undefined;
  /** Skip this many of the newest runs first (0 by default). */
  readonly offset?: number | undefined;
}

/**
 * One page of the run listing, counted from the newest run (what the dashboard shows first), with
 * the total and the next page's offset. Only the newest `offset + limit` run folders are read
 * (listNewestRuns), and nothing is written: the newest-runs record is used but never rewritten.
 * `runs` keeps the listing's order, oldest first.
 */
export function listRunPage(workspaceRoot: string, options: RunPageOptions = {}): RunListing {
  const { limit, offset = 0 } = options;
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new RangeError(`offset must be a whole number >= 0, got ${offset}`);
  // Every run folder listed: the count is the listing's own, with no second listing of `runs/`.
  const listing: RunListing =
    limit === undefined
      ? listRuns(workspaceRoot)
      : listNewestRuns(workspaceRoot, { limit: offset + limit, saveRecord: false });
  const total = limit === undefined ? listing.runs.length : countRunFolders(workspaceRoot);
  const runs: RunSummary[] = listing.runs.slice(0, Math.max(0, listing.runs.length - offset));
  return {
    ...listing,
    runs,
    total,
    limit: limit ?? null,
    offset,
    next_offset: limit !== undefined && offset + limit < total ? offset + limit : null,
  };
}
