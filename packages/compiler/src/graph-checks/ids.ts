/**
 * Guarantees every id a graph declares is unique within its family: node ids, edge ids, terminal
 * state ids, entry keys, and policy ids (resume and threshold policies share one namespace). Every
 * later check looks things up by these ids, so a duplicate would make them ambiguous.
 */
import type { GraphCheckContext } from "./context.js";

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const value of values) (seen.has(value) ? dup : seen).add(value);
  return [...dup];
}

export function checkUniqueIds({ graph, err }: GraphCheckContext): void {
  for (const [label, ids] of [
    ["node", graph.nodes.map((n) => n.node_id)],
    ["edge", graph.edges.map((e) => e.edge_id)],
    ["terminal state", graph.terminal_states.map((t) => t.terminal_state_id)],
    ["entry key", graph.entry_nodes.map((e) => e.entry_key)],
    [
      "policy",
      [
        ...graph.dynamic_policies.resume_policies.map((p) => p.policy_id),
        ...graph.dynamic_policies.threshold_policies.map((p) => p.policy_id),
      ],
    ],
  ] as const) {
    for (const dup of duplicates(ids)) {
      err(
        `graph_duplicate_${label.replace(" ", "_")}`,
        `${label} ${dup}`,
        `${label} id is declared more than once`,
        `give each ${label} a unique id`,
      );
    }
  }
}
