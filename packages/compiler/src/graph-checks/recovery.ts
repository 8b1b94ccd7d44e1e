/**
 * Guarantees runtime_failure_recovery, when declared, names a declared repair node and a declared
 * terminal state to end in once recovery is exhausted.
 */
import type { GraphCheckContext } from "./context.js";

export function checkRecovery({ graph, nodes, err, requireTerminal }: GraphCheckContext): void {
  const recovery = graph.runtime_failure_recovery;
  if (!recovery) return;
  if (!nodes.has(recovery.default_repair_node_id)) {
    err(
      "graph_dangling_policy",
      "runtime_failure_recovery",
      `repair node ${recovery.default_repair_node_id} does not exist`,
      "point it at a declared node",
    );
  }
  requireTerminal("runtime_failure_recovery", recovery.exhausted_terminal_state_id);
}
