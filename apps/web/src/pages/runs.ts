import type { RunListing, RunSummary } from "@millrace/contracts";
import { api, getJson } from "../api.js";
import { h } from "../dom.js";
import { num, seconds, time, tokens } from "../format.js";
import { type PageFields, pageQuery, pager, showing } from "./pager.js";
import { href, type Page } from "./route.js";

let query = "";

/** The search box: it filters what is already loaded, then asks the page to draw again. */
document.addEventListener("input", (event) => {
  const target = event.target as HTMLInputElement | null;
  if (!target?.matches("[data-runs-search]")) return;
  query = target.value;
  window.dispatchEvent(new Event("millrace:redraw"));
});

function matches(run: RunSummary, words: string[]): boolean {
  const text = [
    run.run_id,
    run.status,
    run.plane,
    run.work_item_id,
    run.work_item_kind,
    run.last_stage,
    run.last_terminal_result,
    run.failure_class,
    run.mode_id,
  ]
    .join(" ")
    .toLowerCase();
  return words.every((word) => text.includes(word));
}

/** The page fields `/runs` sends; a listing without them is one page of everything. */
function pageFieldsOf(listing: RunListing): PageFields {
  return {
    total: listing.total ?? listing.runs.length,
    limit: listing.limit ?? null,
    offset: listing.offset ?? 0,
    next_offset: listing.next_offset ?? null,
  };
}

/**
 * Runs: one page (the server's default, the newest 50), newest first, with links to older pages;
 * the search box matches id, item, stage, result, status and failure class within the page.
 */
export const runsPage: Page<RunListing> = {
  load: (route) => getJson<RunListing>(api(route.workspace)(`runs${pageQuery(route)}`)),
  view(listing, route) {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = [...listing.runs].reverse().filter((run) => matches(run, words));
    const page = pageFieldsOf(listing);
    const skipped = page.offset > 0 ? ` (after the newest ${num(page.offset)})` : "";
    const filtered = words.length > 0 ? `; ${num(shown.length)} match the filter` : "";
    return [
      h("h1", {}, "Runs"),
      h("input", {
        type: "search",
        placeholder: "filter: id, item, stage, result, status…",
        value: query,
        "data-runs-search": true,
        "aria-label": "Filter runs",
      }),
      h(
        "p",
        { class: "muted", "data-testid": "showing" },
        showing(listing.runs.length, page.total, "runs") + skipped + filtered,
      ),
      h(
        "table",
        { class: "runs", "data-testid": "runs" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["run", "started", "item", "stages", "last stage", "result", "status", "duration", "tokens"].map(
              (c) => h("th", {}, c),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          shown.map((run) =>
            h(
              "tr",
              { "data-run": run.run_id },
              h(
                "td",
                {},
                h(
                  "a",
                  { href: href({ workspace: route.workspace, page: "run", arg: run.run_id }) },
                  h("code", {}, run.run_id.slice(0, 12)),
                ),
              ),
              h("td", {}, time(run.started_at)),
              h("td", {}, run.work_item_id ?? "—"),
              h("td", { class: "n" }, run.stage_count),
              h("td", {}, run.last_stage ?? "—"),
              h("td", {}, run.last_terminal_result ?? "—"),
              h("td", {}, run.status),
              h("td", { class: "n" }, seconds(run.duration_seconds)),
              h("td", { class: "n" }, tokens(run.token_usage)),
            ),
          ),
        ),
      ),
      pager(route, page),
    ];
  },
};
