/**
 * Warns (never fails) about a declared terminal state that no edge, threshold policy or
 * runtime_failure_recovery ends in: harmless to run, but usually a leftover or a typo elsewhere.
 */
import type { GraphCheckContext } from "./context.js";

export function checkUnusedTerminals({ graph, issues, where }: GraphCheckContext): void {
  const recovery = graph.runtime_failure_recovery;
  const usedTerminals = new Set<string>([
    ...graph.edges.map((e) => e.terminal_state_id ?? ""),
    ...graph.dynamic_policies.threshold_policies.map((p) => p.exhausted_terminal_state_id ?? ""),
    ...(recovery ? [recovery.exhausted_terminal_state_id] : []),
  ]);
  for (const terminal of graph.terminal_states) {
    if (!usedTerminals.has(terminal.terminal_state_id)) {
      issues.warning(
        "graph_unused_terminal",
        where,
        `terminal state ${terminal.terminal_state_id}`,
        "no edge or policy ends here",
        "remove it or route to it",
      );
    }
  }
}
