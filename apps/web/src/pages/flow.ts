import type { CompileGraphOutput, StatusReport } from "@millrace/contracts";
import { api, getJson } from "../api.js";
import { h } from "../dom.js";
import { drawGraph, type GraphEdge, type GraphNode } from "../graph.js";
import type { Page } from "./route.js";

interface FlowData {
  graphs: CompileGraphOutput;
  status: StatusReport;
}

/** Flow: the compiled graph of each plane in its own lane, the node running now highlighted. */
export const flowPage: Page<FlowData> = {
  async load(route) {
    const at = api(route.workspace);
    const [graphs, status] = await Promise.all([
      getJson<CompileGraphOutput>(at("graphs")),
      getJson<StatusReport>(at("status")),
    ]);
    return { graphs, status };
  },
  view({ graphs, status }, _route, live) {
    // Outcomes seen since the page opened, per plane, node and result: their edges are marked.
    const recent = new Map<string, number>();
    for (const event of live.events) {
      if (!event.outcome) continue;
      const key = `${event.outcome.plane}/${event.outcome.node_id}/${event.outcome.terminal_result}`;
      recent.set(key, (recent.get(key) ?? 0) + 1);
    }
    return [
      h("h1", {}, "Flow"),
      h(
        "p",
        { class: "muted" },
        `Mode ${graphs[0]?.mode_id ?? "—"}, plan ${graphs[0]?.compiled_plan_id ?? "—"}`,
      ),
      graphs.map((graph) => {
        const active = status.planes[graph.plane].active_run;
        const nodes: GraphNode[] = graph.nodes.map((node) => ({
          id: node.node_id,
          label:
            node.node_id === node.stage_kind_id ? node.node_id : `${node.node_id} (${node.stage_kind_id})`,
          classes: active?.node_id === node.node_id ? "active" : "",
          attrs:
            active?.node_id === node.node_id ? { "data-active": "true" } : ({} as Record<string, string>),
        }));
        const terminals = new Set<string>();
        const edges: GraphEdge[] = graph.edges.map((edge) => {
          const to = edge.target_node_id ?? `terminal:${edge.terminal_state_id ?? "end"}`;
          if (!edge.target_node_id) terminals.add(to);
          const seen = recent.get(`${graph.plane}/${edge.source_node_id}/${edge.outcome}`);
          return seen
            ? { from: edge.source_node_id, to, label: `${edge.outcome} ×${seen}`, classes: "recent" }
            : { from: edge.source_node_id, to, label: edge.outcome };
        });
        for (const id of terminals)
          nodes.push({ id, label: id.slice("terminal:".length), classes: "terminal" });
        return h(
          "section",
          { class: "lane", "data-plane": graph.plane },
          h(
            "h2",
            {},
            `${graph.plane} · ${graph.loop_id}`,
            active ? h("span", { class: "badge" }, ` running ${active.stage}`) : null,
          ),
          h("div", { class: "scroll" }, drawGraph(nodes, edges, `${graph.plane} graph`)),
        );
      }),
    ];
  },
};
