/**
 * Guarantees every edge is well formed and routes unambiguously: exactly one target (a node or a
 * terminal state; terminal edges end in a terminal state), max_attempts on retry edges and only
 * there, declared source and target, only legal outcomes of the source node's stage kind, and no
 * two edges routing the same outcome of a node at the same priority. Returns, per node, the
 * outcomes its edges route, for the unrouted-outcome check.
 */
import type { GraphEdge } from "@millrace/contracts";
import type { GraphCheckContext } from "./context.js";

/** Node id → outcome → the priorities of the edges routing it. */
export type RoutedOutcomes = Map<string, Map<string, number[]>>;

function checkEdgeShape(edge: GraphEdge, err: GraphCheckContext["err"]): void {
  const subject = `edge ${edge.edge_id}`;
  const hasNode = edge.to_node_id !== undefined;
  const hasTerminal = edge.terminal_state_id !== undefined;
  if (hasNode === hasTerminal) {
    err(
      "graph_edge_target",
      subject,
      "an edge needs exactly one of to_node_id and terminal_state_id",
      "keep exactly one target",
    );
  }
  if (edge.kind === "terminal" && !hasTerminal) {
    err(
      "graph_edge_target",
      subject,
      "a terminal edge must end in a terminal_state_id",
      "set terminal_state_id or change kind",
    );
  }
  if (edge.kind === "retry" && edge.max_attempts === undefined) {
    err("graph_edge_retry", subject, "a retry edge needs max_attempts", "set max_attempts (>= 1)");
  }
  if (edge.kind !== "retry" && edge.max_attempts !== undefined) {
    err(
      "graph_edge_retry",
      subject,
      "max_attempts is only valid on retry edges",
      "remove max_attempts or set kind: retry",
    );
  }
}

/** Reports a missing source (then returns false: nothing else about the edge can be judged) or target. */
function checkEdgeEnds(edge: GraphEdge, { nodes, terminals, err }: GraphCheckContext): boolean {
  const subject = `edge ${edge.edge_id}`;
  if (!nodes.has(edge.from_node_id)) {
    err(
      "graph_dangling_edge",
      subject,
      `source node ${edge.from_node_id} does not exist`,
      "declare the node or fix from_node_id",
    );
    return false;
  }
  if (edge.to_node_id !== undefined && !nodes.has(edge.to_node_id)) {
    err(
      "graph_dangling_edge",
      subject,
      `target node ${edge.to_node_id} does not exist`,
      "declare the node or fix to_node_id",
    );
  }
  if (edge.terminal_state_id !== undefined && !terminals.has(edge.terminal_state_id)) {
    err(
      "graph_dangling_edge",
      subject,
      `terminal state ${edge.terminal_state_id} does not exist`,
      "declare it under terminal_states or fix terminal_state_id",
    );
  }
  return true;
}

function routeEdgeOutcomes(edge: GraphEdge, ctx: GraphCheckContext, routed: RoutedOutcomes): void {
  const subject = `edge ${edge.edge_id}`;
  const legal = ctx.legalFor(edge.from_node_id);
  const kindId = ctx.nodes.get(edge.from_node_id)?.stage_kind_id;
  for (const outcome of edge.on_outcomes) {
    if (ctx.kindOf(edge.from_node_id) && !legal.has(outcome)) {
      ctx.err(
        "graph_edge_illegal_outcome",
        subject,
        `${outcome} is not a legal outcome of ${kindId} (legal: ${[...legal].join(", ")})`,
        `route only legal outcomes of ${kindId}`,
      );
      continue;
    }
    const perNode = routed.get(edge.from_node_id) ?? new Map<string, number[]>();
    routed.set(edge.from_node_id, perNode);
    const priorities = perNode.get(outcome) ?? [];
    if (priorities.includes(edge.priority)) {
      ctx.err(
        "graph_edge_ambiguous",
        subject,
        `node ${edge.from_node_id} already routes ${outcome} at priority ${edge.priority}`,
        "remove the duplicate edge or give one a different priority",
      );
    }
    priorities.push(edge.priority);
    perNode.set(outcome, priorities);
  }
}

export function checkEdges(ctx: GraphCheckContext): RoutedOutcomes {
  const routed: RoutedOutcomes = new Map();
  for (const edge of ctx.graph.edges) {
    checkEdgeShape(edge, ctx.err);
    if (checkEdgeEnds(edge, ctx)) routeEdgeOutcomes(edge, ctx, routed);
  }
  return routed;
}
