import type { QueueItemSummary, QueueListing } from "@millrace/contracts";
import { api, getJson } from "../api.js";
import { h } from "../dom.js";
import { num } from "../format.js";
import { pageQuery, pager, showing } from "./pager.js";
import { href, type Page, type Route } from "./route.js";

const STATES = ["queue", "active", "done", "blocked"] as const;

function itemRow(item: QueueItemSummary, route: Route): HTMLElement {
  return h(
    "li",
    { class: `item ${item.state}` },
    h("span", { class: "kind" }, item.kind),
    " ",
    h("a", { href: href({ workspace: route.workspace, page: "item", arg: item.id }) }, item.id),
    " ",
    h("span", {}, item.title),
    " ",
    h("span", { class: `state ${item.state}` }, item.state),
    item.error ? h("span", { class: "error" }, ` ${item.error}`) : null,
  );
}

/** Items grouped by lineage: each root spec, then the work that descends from it. */
function lineageGroups(items: QueueItemSummary[]): [string, QueueItemSummary[]][] {
  const groups = new Map<string, QueueItemSummary[]>();
  for (const item of items) {
    const key = item.root_spec_id ?? "(no root spec)";
    const list = groups.get(key) ?? [];
    list.push(item);
    groups.set(key, list);
  }
  for (const list of groups.values())
    list.sort((a, b) => (a.kind === "spec" ? -1 : 0) - (b.kind === "spec" ? -1 : 0));
  return [...groups.entries()];
}

/**
 * Queue: counts per kind and state, then one page of the items (the server's default, at most 100
 * of each kind and state) by lineage (spec → tasks → incidents), with links to the other pages.
 */
export const queuePage: Page<QueueListing> = {
  load: (route) => getJson<QueueListing>(api(route.workspace)(`queue${pageQuery(route)}`)),
  view(listing, route) {
    const kinds = Object.keys(listing.counts);
    const skipped =
      listing.offset > 0 ? ` (after the first ${num(listing.offset)} of each kind and state)` : "";
    return [
      h("h1", {}, "Queue"),
      h(
        "table",
        { class: "counts", "data-testid": "queue-counts" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "kind"),
            STATES.map((s) => h("th", {}, s)),
          ),
        ),
        h(
          "tbody",
          {},
          kinds.map((kind) =>
            h(
              "tr",
              {},
              h("td", {}, kind),
              STATES.map((s) =>
                h("td", { class: "n" }, num(listing.counts[kind as keyof typeof listing.counts]?.[s] ?? 0)),
              ),
            ),
          ),
        ),
      ),
      h("h2", {}, "By lineage"),
      h(
        "p",
        { class: "muted", "data-testid": "showing" },
        showing(listing.items.length, listing.total, "items") + skipped,
      ),
      lineageGroups(listing.items).map(([root, items]) =>
        h(
          "section",
          { class: "lineage" },
          h("h3", {}, root),
          h(
            "ul",
            {},
            items.map((item) => itemRow(item, route)),
          ),
        ),
      ),
      pager(route, listing),
    ];
  },
};
