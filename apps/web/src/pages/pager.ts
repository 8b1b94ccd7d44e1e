import { h } from "../dom.js";
import { num } from "../format.js";
import { href, type Route } from "./route.js";

/** The page fields of a paged listing (`queue-listing`, and `run-listing` as `/runs` answers it). */
export interface PageFields {
  total: number;
  limit: number | null;
  offset: number;
  next_offset: number | null;
}

/**
 * A listing page's route argument is its offset (`#/w/<id>/queue/100`), passed on as the API's
 * `offset`; the server refuses a bad one with the usual error panel.
 */
export function pageQuery(route: Route): string {
  return route.arg === undefined ? "" : `?offset=${encodeURIComponent(route.arg)}`;
}

/** Where the previous and next pages start; null where there is none. */
export function pageSteps(page: PageFields): { previous: number | null; next: number | null } {
  const back = page.limit ?? page.offset;
  return {
    previous: page.offset > 0 ? Math.max(0, page.offset - back) : null,
    next: page.next_offset,
  };
}

/** "Showing 100 of 250 items". */
export function showing(shown: number, total: number, noun: string): string {
  return `Showing ${num(shown)} of ${num(total)} ${noun}`;
}

/** Links to the previous and next pages of the current listing page; nothing on a single page. */
export function pager(route: Route, page: PageFields): HTMLElement | null {
  const { previous, next } = pageSteps(page);
  if (previous === null && next === null) return null;
  const at = (offset: number) =>
    href({ workspace: route.workspace, page: route.page, arg: offset > 0 ? String(offset) : undefined });
  return h(
    "nav",
    { class: "pager", "data-testid": "pager" },
    previous === null ? null : h("a", { href: at(previous), rel: "prev" }, "← Previous page"),
    next === null ? null : h("a", { href: at(next), rel: "next" }, "Next page →"),
  );
}
