import { usage } from "./usage-error.js";

/** A listing route's paging parameters, as the query string gives them. */
export interface PageQuery {
  readonly limit?: string | undefined;
  readonly offset?: string | undefined;
  readonly all?: string | undefined;
}

/** What a listing reads: at most `limit` entries (undefined: all of them) after skipping `offset`. */
export interface ListPage {
  readonly limit: number | undefined;
  readonly offset: number;
}

function wholeNumber(value: string | undefined, name: string, min: number, hint: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min)
    throw usage(`${name} must be a whole number >= ${min}, got ${JSON.stringify(value)}`, hint);
  return number;
}

function flag(value: string | undefined, name: string): boolean {
  if (value === undefined) return false;
  if (value === "" || value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw usage(`${name} must be 1 or true, got ${JSON.stringify(value)}`, `Pass ${name}=1, or leave it out.`);
}

/**
 * `limit`, `offset` and `all` read as `queue ls` reads `--limit`, `--offset` and `--all`: a page of
 * `defaultLimit` unless told otherwise, checked before anything is read.
 */
export function pageOf(query: PageQuery, defaultLimit: number): ListPage {
  const limit = wholeNumber(query.limit, "limit", 1, "Pass e.g. limit=20, or all=1 for everything.");
  const offset = wholeNumber(
    query.offset,
    "offset",
    0,
    "Pass the next_offset of the page before, e.g. offset=100.",
  );
  const all = flag(query.all, "all");
  if (all && limit !== undefined)
    throw usage("all and limit contradict each other", "Pass limit=N for a page, or all=1 for everything.");
  return { limit: all ? undefined : (limit ?? defaultLimit), offset: offset ?? 0 };
}
