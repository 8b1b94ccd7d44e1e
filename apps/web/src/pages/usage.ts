import type { UsageReportOutput } from "@millrace/contracts";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { api, getJson } from "../api.js";
import { h } from "../dom.js";
import { num, usd } from "../format.js";
import type { Page } from "./route.js";

interface UsageData {
  byDay: UsageReportOutput;
  byStage: UsageReportOutput;
  byModel: UsageReportOutput;
  byItem: UsageReportOutput;
}

let chart: uPlot | undefined;
let drawn = "";

function groupTable(report: UsageReportOutput, title: string): HTMLElement {
  return h(
    "section",
    { class: "card" },
    h("h2", {}, title),
    h(
      "table",
      { "data-testid": `usage-${report.by}` },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["key", "entries", "input", "output", "total", "cost"].map((c) => h("th", {}, c)),
        ),
      ),
      h(
        "tbody",
        {},
        report.groups.map((g) =>
          h(
            "tr",
            {},
            h("td", {}, g.key),
            h("td", { class: "n" }, num(g.entries)),
            h("td", { class: "n" }, num(g.input_tokens)),
            h("td", { class: "n" }, num(g.output_tokens)),
            h("td", { class: "n" }, num(g.total_tokens)),
            h("td", { class: "n" }, usd(g.cost_usd)),
          ),
        ),
      ),
    ),
  );
}

/** Usage: the ledger's spend per day as a chart, then per stage kind, model and work item. */
export const usagePage: Page<UsageData> = {
  async load(route) {
    const at = api(route.workspace);
    const by = (grouping: string) => getJson<UsageReportOutput>(at(`usage?by=${grouping}`));
    const [byDay, byStage, byModel, byItem] = await Promise.all([
      by("day"),
      by("stage"),
      by("model"),
      by("item"),
    ]);
    return { byDay, byStage, byModel, byItem };
  },
  view({ byDay, byStage, byModel, byItem }) {
    const t = byDay.totals;
    return [
      h("h1", {}, "Usage"),
      h(
        "p",
        { "data-testid": "usage-totals" },
        `${num(t.entries)} ledger entries · ${num(t.total_tokens)} tokens · ${usd(t.cost_usd)}${t.cost_unknown_entries > 0 ? ` (${t.cost_unknown_entries} without cost)` : ""}`,
      ),
      byDay.ledger_problems > 0
        ? h(
            "p",
            { class: "error" },
            `${byDay.ledger_problems} ledger line(s) could not be read; run millrace doctor.`,
          )
        : null,
      byDay.rules.length > 0
        ? h(
            "ul",
            { class: "gauges" },
            byDay.rules.map((r) =>
              h(
                "li",
                {},
                h("span", {}, `${r.rule_id} (${r.window})`),
                h("meter", {
                  min: 0,
                  max: Math.max(r.threshold, r.observed),
                  value: r.observed,
                  high: r.threshold * 0.9,
                }),
                h(
                  "span",
                  { class: "n" },
                  `${num(r.observed)} / ${num(r.threshold)}${r.tripped ? " TRIPPED" : ""}`,
                ),
              ),
            ),
          )
        : null,
      h(
        "section",
        { class: "card wide" },
        h("h2", {}, "Tokens per day"),
        byDay.groups.length === 0
          ? h("p", { class: "muted" }, "The ledger is empty.")
          : h("div", {
              id: "usage-chart",
              "data-owned": true,
              "data-testid": "usage-chart",
              "data-points": byDay.groups.map((g) => `${g.key}=${g.total_tokens}`).join(","),
            }),
      ),
      h(
        "div",
        { class: "grid" },
        groupTable(byStage, "By stage kind"),
        groupTable(byModel, "By model"),
        groupTable(byItem, "By work item"),
      ),
    ];
  },
  after(container, { byDay }) {
    const target = container.querySelector<HTMLElement>("#usage-chart");
    const signature = JSON.stringify(byDay.groups);
    if (!target) {
      chart?.destroy();
      chart = undefined;
      drawn = "";
      return;
    }
    if (chart && drawn === signature && target.contains(chart.root)) return;
    chart?.destroy();
    const days = byDay.groups.map((g) => Date.parse(`${g.key}T00:00:00Z`) / 1000);
    const data: uPlot.AlignedData = [
      days,
      byDay.groups.map((g) => g.total_tokens),
      byDay.groups.map((g) => g.cost_usd),
    ];
    chart = new uPlot(
      {
        width: Math.max(320, Math.min(900, target.clientWidth || 900)),
        height: 260,
        series: [
          {},
          {
            label: "total tokens",
            stroke: "#2563eb",
            fill: "rgba(37,99,235,0.15)",
            points: { show: true, size: 8 },
          },
          { label: "cost (USD)", stroke: "#b45309", scale: "usd", points: { show: true } },
        ],
        axes: [{}, { label: "tokens" }, { side: 1, scale: "usd", label: "USD", grid: { show: false } }],
        scales: { x: { time: true } },
      },
      data,
      target,
    );
    drawn = signature;
  },
};
