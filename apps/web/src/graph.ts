import dagre from "@dagrejs/dagre";
import { s } from "./dom.js";

export interface GraphNode {
  id: string;
  label: string;
  /** Extra CSS classes (e.g. "active", "terminal"). */
  classes?: string;
  /** Extra attributes for tests and styling. */
  attrs?: Record<string, string>;
}

export interface GraphEdge {
  from: string;
  to: string;
  label: string;
  /** Extra CSS classes (e.g. "recent"). */
  classes?: string;
}

const NODE_W = 170;
const NODE_H = 36;

/**
 * A directed graph laid out by dagre (ranks left to right) and drawn as SVG from plain data, so the
 * same graph always yields the same DOM.
 */
export function drawGraph(nodes: GraphNode[], edges: GraphEdge[], title: string): SVGElement {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 18, ranksep: 60, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) g.setNode(node.id, { width: NODE_W, height: NODE_H });
  edges.forEach((edge, index) => {
    if (g.hasNode(edge.from) && g.hasNode(edge.to))
      g.setEdge(
        edge.from,
        edge.to,
        { label: edge.label, classes: edge.classes ?? "", width: 60, height: 14 },
        `e${index}`,
      );
  });
  dagre.layout(g);
  const graph = g.graph();
  const width = Math.ceil(graph.width ?? 100);
  const height = Math.ceil(graph.height ?? 60);
  const paths = g.edges().map((ref) => {
    const edge = g.edge(ref) as {
      points: { x: number; y: number }[];
      label: string;
      classes: string;
      x?: number;
      y?: number;
    };
    const d = edge.points
      .map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
      .join(" ");
    return s(
      "g",
      { class: `edge ${edge.classes}`.trim() },
      s("path", { d, "marker-end": "url(#arrow)" }),
      edge.x !== undefined && edge.y !== undefined
        ? s("text", { x: edge.x.toFixed(1), y: edge.y.toFixed(1), "text-anchor": "middle" }, edge.label)
        : null,
    );
  });
  const boxes = nodes.map((node) => {
    const box = g.node(node.id) as { x: number; y: number };
    return s(
      "g",
      { class: `node ${node.classes ?? ""}`.trim(), "data-node": node.id, ...node.attrs },
      s("rect", {
        x: (box.x - NODE_W / 2).toFixed(1),
        y: (box.y - NODE_H / 2).toFixed(1),
        width: NODE_W,
        height: NODE_H,
        rx: 6,
      }),
      s("text", { x: box.x.toFixed(1), y: (box.y + 4).toFixed(1), "text-anchor": "middle" }, node.label),
    );
  });
  return s(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": title },
    s(
      "defs",
      {},
      s(
        "marker",
        {
          id: "arrow",
          viewBox: "0 0 10 10",
          refX: 10,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: "auto-start-reverse",
        },
        s("path", { d: "M0,0 L10,5 L0,10 z" }),
      ),
    ),
    paths,
    boxes,
  );
}
