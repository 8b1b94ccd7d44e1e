/**
 * Guarantees an outcome listed in handoff_terminal_only_outcomes is never routed to another node:
 * such an outcome hands the work item off, so it may only end the run in a terminal state.
 */
import type { GraphCheckContext } from "./context.js";

export function checkHandoffOutcomes({ graph, err }: GraphCheckContext): void {
  for (const outcome of graph.handoff_terminal_only_outcomes) {
    for (const edge of graph.edges) {
      if (edge.on_outcomes.includes(outcome) && edge.to_node_id !== undefined) {
        err(
          "graph_handoff_outcome_routed",
          `edge ${edge.edge_id}`,
          `${outcome} is listed in handoff_terminal_only_outcomes but routes to node ${edge.to_node_id}`,
          "route it to a terminal state",
        );
      }
    }
  }
}
