/**
 * Guarantees every legal outcome of every node's stage kind has at least one edge, so a stage can
 * never report an outcome the graph does not know where to send. Nodes with an unknown kind are
 * skipped (already reported by the node-kind check).
 */
import type { GraphCheckContext } from "./context.js";
import type { RoutedOutcomes } from "./edges.js";

export function checkEveryOutcomeRouted(
  { graph, kinds, err }: GraphCheckContext,
  routed: RoutedOutcomes,
): void {
  for (const node of graph.nodes) {
    const kind = kinds.get(node.stage_kind_id);
    if (!kind) continue;
    for (const outcome of kind.kind.legal_outcomes) {
      if (!routed.get(node.node_id)?.has(outcome)) {
        err(
          "graph_unrouted_outcome",
          `node ${node.node_id}`,
          `outcome ${outcome} has no edge`,
          `add an edge from ${node.node_id} on ${outcome} to a node or a terminal state`,
        );
      }
    }
  }
}
