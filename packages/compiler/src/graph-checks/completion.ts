/**
 * Guarantees a completion_behavior (closure) is declared only on the planning plane, targets a
 * declared node whose stage kind has closure_role, and ends in two different, declared terminal
 * states for pass and gap.
 */
import type { GraphCheckContext } from "./context.js";

export function checkCompletion({ graph, nodes, kindOf, err, requireTerminal }: GraphCheckContext): void {
  const completion = graph.completion_behavior;
  if (!completion) return;
  const subject = "completion_behavior";
  if (graph.plane !== "planning") {
    err(
      "graph_completion_plane",
      subject,
      "only the planning plane may declare completion_behavior",
      "remove it",
    );
  }
  const target = kindOf(completion.target_node_id);
  if (!nodes.has(completion.target_node_id)) {
    err(
      "graph_dangling_policy",
      subject,
      `target node ${completion.target_node_id} does not exist`,
      "point it at a declared node",
    );
  } else if (target && !target.kind.closure_role) {
    err(
      "graph_completion_role",
      subject,
      `target node ${completion.target_node_id} (${target.kind.stage_kind_id}) has no closure_role`,
      "target a stage kind with closure_role: true (arbiter)",
    );
  }
  requireTerminal(subject, completion.on_pass_terminal_state_id);
  requireTerminal(subject, completion.on_gap_terminal_state_id);
  if (completion.on_pass_terminal_state_id === completion.on_gap_terminal_state_id) {
    err(
      "graph_completion_terminals",
      subject,
      "pass and gap terminal states must differ",
      "use two different terminal states",
    );
  }
}
