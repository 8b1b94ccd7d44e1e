import type { RunDetail, RunTraceGraph } from "@millrace/contracts";
import { api, getJson } from "../api.js";
import { h, s } from "../dom.js";
import { num, seconds, time, tokens, usd } from "../format.js";
import { drawGraph } from "../graph.js";
import { href, type Page, type Route } from "./route.js";

interface ArtifactView {
  path: string;
  size_bytes: number;
  truncated: boolean;
  text: string;
}

interface RunData {
  detail: RunDetail;
  trace: RunTraceGraph;
  artifact: ArtifactView | undefined;
}

/** The stages on one time axis: a bar per stage, from its start to its end. */
function timeline(detail: RunDetail): SVGElement | null {
  const stages = detail.stages;
  if (stages.length === 0) return null;
  const start = Math.min(...stages.map((st) => Date.parse(st.started_at)));
  const end = Math.max(...stages.map((st) => Date.parse(st.completed_at)), start + 1);
  const width = 900;
  const row = 22;
  return s(
    "svg",
    {
      class: "timeline",
      viewBox: `0 0 ${width} ${stages.length * row + 4}`,
      width,
      height: stages.length * row + 4,
      role: "img",
      "aria-label": "stage timeline",
    },
    stages.map((st, i) => {
      const x = ((Date.parse(st.started_at) - start) / (end - start)) * (width - 220) + 200;
      const w = Math.max(2, (st.duration_seconds * 1000 * (width - 220)) / (end - start));
      return s(
        "g",
        { class: `bar ${st.result_class}` },
        s("text", { x: 0, y: i * row + 15 }, st.stage),
        s("rect", { x: x.toFixed(1), y: i * row + 4, width: w.toFixed(1), height: row - 8, rx: 3 }),
      );
    }),
  );
}

function artifactLinks(detail: RunDetail, route: Route): HTMLElement {
  const files = [
    ...new Set([
      ...detail.stages.flatMap((st) => [
        st.artifacts.prompt,
        st.artifacts.stdout,
        st.artifacts.stderr,
        st.artifacts.report,
        st.artifacts.stage_result,
        ...st.artifacts.other,
      ]),
      ...detail.files,
    ]),
  ].filter((f): f is string => typeof f === "string");
  return h(
    "ul",
    { class: "artifacts" },
    files.map((file) =>
      h(
        "li",
        {},
        h("a", { href: href({ workspace: route.workspace, page: "run", arg: route.arg, arg2: file }) }, file),
      ),
    ),
  );
}

/** A run: stage timeline, the stages with tokens and cost, the trace graph, and the artifacts as text. */
export const runPage: Page<RunData> = {
  async load(route) {
    const at = api(route.workspace);
    const id = encodeURIComponent(route.arg ?? "");
    const [detail, trace, artifact] = await Promise.all([
      getJson<RunDetail>(at(`runs/${id}`)),
      getJson<RunTraceGraph>(at(`runs/${id}/trace`)),
      route.arg2
        ? getJson<ArtifactView>(at(`runs/${id}/artifact?path=${encodeURIComponent(route.arg2)}`))
        : Promise.resolve(undefined),
    ]);
    return { detail, trace, artifact };
  },
  view({ detail, trace, artifact }, route) {
    const run = detail.run;
    const nodes = trace.nodes.map((n) => ({
      id: n.trace_node_id,
      label: `${n.stage} → ${n.terminal_result}`,
      classes: n.result_class,
    }));
    const edges = trace.edges
      .filter((e) => e.target_trace_node_id)
      .map((e) => ({ from: e.source_trace_node_id, to: e.target_trace_node_id as string, label: e.outcome }));
    return [
      h("p", {}, h("a", { href: href({ workspace: route.workspace, page: "runs" }) }, "← Runs")),
      h("h1", {}, "Run ", h("code", {}, run.run_id)),
      h(
        "p",
        {},
        `${run.status} · ${run.work_item_kind ?? ""} ${run.work_item_id ?? ""} · started ${time(run.started_at)} · ${seconds(run.duration_seconds)} · tokens ${tokens(run.token_usage)}`,
      ),
      h("section", { class: "card wide" }, h("h2", {}, "Timeline"), timeline(detail)),
      h(
        "table",
        { class: "stages", "data-testid": "stages" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            [
              "#",
              "stage",
              "node",
              "result",
              "class",
              "runner",
              "model",
              "started",
              "duration",
              "tokens",
              "cost",
            ].map((c) => h("th", {}, c)),
          ),
        ),
        h(
          "tbody",
          {},
          detail.stages.map((st, i) =>
            h(
              "tr",
              { "data-testid": "stage-row", "data-stage": st.stage },
              h("td", { class: "n" }, i + 1),
              h("td", {}, st.stage),
              h("td", {}, st.node_id),
              h("td", {}, st.terminal_result),
              h("td", {}, st.result_class),
              h("td", {}, st.runner_name ?? "—"),
              h("td", {}, st.model_name ?? "—"),
              h("td", {}, time(st.started_at)),
              h("td", { class: "n" }, seconds(st.duration_seconds)),
              h(
                "td",
                { class: "n", "data-testid": "stage-tokens" },
                st.token_usage ? num(st.token_usage.total_tokens) : "none reported",
              ),
              h("td", { class: "n" }, usd(st.token_usage?.cost_usd)),
            ),
          ),
        ),
      ),
      h(
        "section",
        { class: "card wide" },
        h("h2", {}, "Trace"),
        nodes.length > 0
          ? h("div", { class: "scroll" }, drawGraph(nodes, edges, "run trace"))
          : h("p", { class: "muted" }, "No stage has finished yet."),
        trace.notes.map((n) => h("p", { class: "muted" }, n)),
      ),
      h("section", { class: "card wide" }, h("h2", {}, "Artifacts"), artifactLinks(detail, route)),
      artifact
        ? h(
            "section",
            { class: "card wide", "data-testid": "artifact" },
            h("h2", {}, artifact.path),
            artifact.truncated
              ? h(
                  "p",
                  { class: "muted" },
                  `Showing the first ${num(artifact.text.length)} characters of ${num(artifact.size_bytes)} bytes.`,
                )
              : null,
            h("pre", { class: "artifact" }, artifact.text),
          )
        : null,
    ];
  },
};
