import type { ApprovalsListingOutput, StatusReport, SupervisorReport } from "@millrace/contracts";
import { api, getJson } from "../api.js";
import { type Child, h } from "../dom.js";
import { num, since, time } from "../format.js";
import type { LiveState } from "../live.js";
import { approvalsCard, controlCard, releaseButton, requeueButton } from "./control-panel.js";
import { href, type Page, type Route } from "./route.js";

const PLANES = ["execution", "planning", "learning"] as const;

function kv(rows: [string, Child][], testid?: string): HTMLElement {
  return h(
    "dl",
    { class: "kv", "data-testid": testid },
    rows.flatMap(([key, value]) => [h("dt", {}, key), h("dd", {}, value)]),
  );
}

function daemonState(report: StatusReport): string {
  if (report.process_running)
    return report.paused ? "running (paused)" : report.stop_requested ? "stopping" : "running";
  if (report.snapshot_process_running) return "crashed (owner gone)";
  return "not running";
}

function planesTable(report: StatusReport, route: Route): HTMLElement {
  return h(
    "table",
    { class: "planes" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["plane", "status", "queued", "active docs", "active stage", "work item", "elapsed", ""].map((c) =>
          h("th", {}, c),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      PLANES.map((plane) => {
        const p = report.planes[plane];
        const run = p.active_run;
        return h(
          "tr",
          { "data-plane": plane },
          h("td", {}, plane),
          h("td", {}, p.status_marker),
          h("td", { class: "n" }, num(p.queue_depth)),
          h("td", { class: "n" }, num(p.active_documents)),
          h("td", { "data-testid": `active-stage-${plane}` }, run ? `${run.stage} (${run.node_id})` : "idle"),
          h(
            "td",
            {},
            run?.work_item_id
              ? h(
                  "a",
                  { href: href({ workspace: route.workspace, page: "item", arg: run.work_item_id }) },
                  run.work_item_id,
                )
              : "—",
          ),
          h("td", {}, run ? h("span", { "data-since": run.active_since }, since(run.active_since)) : "—"),
          h("td", {}, requeueButton(plane, report)),
        );
      }),
    ),
  );
}

function governance(report: StatusReport): HTMLElement {
  const g = report.usage_governance;
  return h(
    "section",
    { class: "card" },
    h("h2", {}, "Governance"),
    kv([
      ["enabled", String(g.enabled ?? "unknown")],
      ["paused by governance", String(g.paused)],
      ["next auto-resume", time(g.next_auto_resume_at)],
    ]),
    g.blockers.length === 0
      ? h("p", { class: "muted" }, "No window is over its threshold.")
      : h(
          "ul",
          { class: "gauges" },
          g.blockers.map((b) =>
            h(
              "li",
              {},
              h("span", {}, `${b.rule_id} (${b.window})`),
              h("meter", {
                min: 0,
                max: Math.max(b.threshold, b.observed),
                value: b.observed,
                high: b.threshold * 0.9,
                optimum: 0,
              }),
              h("span", { class: "n" }, `${num(b.observed)} / ${num(b.threshold)}`),
            ),
          ),
        ),
    g.parked.length > 0
      ? h(
          "p",
          {},
          `${g.parked.length} parked item(s): `,
          g.parked.map((p) =>
            h("span", { class: "parked" }, p.work_item_id, " ", releaseButton(p.work_item_id)),
          ),
        )
      : null,
  );
}

/** What the supervisor contract says needs attention, and the commands an operator may run for it. */
function attention(report: SupervisorReport): HTMLElement {
  return h(
    "section",
    { class: "card wide", "data-testid": "attention" },
    h("h2", {}, "Attention"),
    kv([
      ["reason", h("code", { "data-testid": "attention-reason" }, report.attention_reason)],
      ["summary", report.attention_summary],
      ["liveness", h("span", { "data-testid": "liveness" }, report.liveness.grade ?? "—")],
      ["liveness summary", report.liveness.summary],
    ]),
    report.allowed_actions.length === 0
      ? h("p", { class: "muted" }, "No action is needed.")
      : h(
          "ul",
          { class: "actions", "data-testid": "allowed-actions" },
          report.allowed_actions.map((a) =>
            h("li", {}, h("code", {}, a.text), " ", h("span", { class: "muted" }, a.description)),
          ),
        ),
  );
}

function recentEvents(live: LiveState): HTMLElement {
  const recent = live.events.slice(-12).reverse();
  return h(
    "section",
    { class: "card wide" },
    h("h2", {}, "Recent events (this session)"),
    recent.length === 0
      ? h("p", { class: "muted" }, "None yet; new events appear here as the runtime writes them.")
      : h(
          "ol",
          { class: "events" },
          recent.map((e) =>
            h(
              "li",
              { "data-event-id": e.id },
              h("code", {}, e.event_type),
              " ",
              h("span", { class: "muted" }, time(e.occurred_at)),
            ),
          ),
        ),
  );
}

interface OverviewData {
  report: StatusReport;
  supervisor: SupervisorReport;
  pending: ApprovalsListingOutput["approvals"];
}

/** Overview: the supervisor report's attention reason and allowed actions, what the status read model says grouped for a glance, and the controls when allowed. */
export const overviewPage: Page<OverviewData> = {
  async load(route) {
    const at = api(route.workspace);
    const [report, supervisor, approvals] = await Promise.all([
      getJson<StatusReport>(at("status")),
      getJson<SupervisorReport>(at("supervisor")),
      getJson<ApprovalsListingOutput>(at("approvals?status=pending")),
    ]);
    return { report, supervisor, pending: approvals.approvals };
  },
  view({ report, supervisor, pending }, route, live) {
    const lock = report.runtime_ownership_lock;
    return [
      h("h1", {}, "Overview"),
      h(
        "div",
        { class: "grid" },
        attention(supervisor),
        h(
          "section",
          { class: "card" },
          h("h2", {}, "Runtime"),
          kv(
            [
              ["daemon", h("span", { "data-testid": "daemon-state" }, daemonState(report))],
              ["mode", report.runtime_mode],
              ["lock", `${lock.state}${lock.owner_pid !== null ? ` (pid ${lock.owner_pid})` : ""}`],
              [
                "paused",
                h(
                  "span",
                  { "data-testid": "paused" },
                  report.paused ? `yes: ${report.pause_sources.join(", ")}` : "no",
                ),
              ],
              ["stop requested", String(report.stop_requested)],
              [
                "last result",
                h("span", { "data-testid": "last-result" }, report.last_terminal_result ?? "—"),
              ],
              ["updated", time(report.updated_at)],
            ],
            "runtime",
          ),
        ),
        h(
          "section",
          { class: "card" },
          h("h2", {}, "Plan"),
          kv([
            ["active mode", report.active_mode_id],
            ["compiled plan", h("code", {}, report.compiled_plan_id || "—")],
            ["currentness", report.compiled_plan_currentness.state],
            ["closure", report.closure.state],
            ["failure class", report.current_failure_class ?? "—"],
          ]),
          report.runtime_error
            ? h(
                "p",
                { class: "error" },
                `runtime error ${report.runtime_error.error_code} at ${report.runtime_error.failed_stage}`,
              )
            : null,
        ),
        controlCard(report),
        governance(report),
        h("section", { class: "card wide" }, h("h2", {}, "Planes"), planesTable(report, route)),
        approvalsCard(pending),
        recentEvents(live),
      ),
    ];
  },
};
