import type { QueueItemSummary, QueueListing } from "@millrace/contracts";
import { api, getJson } from "../api.js";
import { h } from "../dom.js";
import { num } from "../format.js";
import { href, type Page, type Route } from "./route.js";

const STATES = ["queue", "active", "done", "blocked"] as const;
/** Rows drawn per lineage list; a 10,000-item queue stays responsive. */
const SHOWN = 300;

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

/** Queue: counts per kind and state, then the items by lineage (spec → tasks → incidents). */
export const queuePage: Page<QueueListing> = {
  load: (route) => getJson<QueueListing>(api(route.workspace)("queue")),
  view(listing, route) {
    const kinds = Object.keys(listing.counts);
    let budget = SHOWN;
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
      lineageGroups(listing.items).map(([root, items]) => {
        const shown = items.slice(0, Math.max(0, budget));
        budget -= shown.length;
        if (shown.length === 0) return null;
        return h(
          "section",
          { class: "lineage" },
          h("h3", {}, root),
          h(
            "ul",
            {},
            shown.map((item) => itemRow(item, route)),
          ),
          shown.length < items.length
            ? h("p", { class: "muted" }, `… and ${num(items.length - shown.length)} more`)
            : null,
        );
      }),
      budget < 0 || listing.items.length > SHOWN
        ? h("p", { class: "muted" }, `Showing the first ${SHOWN} of ${num(listing.items.length)} items.`)
        : null,
    ];
  },
};
