/**
 * Guarantees the graph has no dead parts: every node is reachable from a root (an entry, the
 * completion target, a `merge` node (the runtime enters it after a lane's landing conflicts), or
 * on the learning plane a node whose kind can start learning requests) along
 * edges and policy jumps, and every reachable node of a known kind can reach a terminal state, so
 * no cycle traps work with no exit.
 */
import { LANE_MERGE_STAGE_KIND } from "@millrace/contracts";
import type { GraphCheckContext } from "./context.js";
import type { PolicyJumps } from "./policies.js";

interface Topology {
  readonly successors: Map<string, Set<string>>;
  /** Nodes with a direct way out to a declared terminal state. */
  readonly exits: Set<string>;
}

function topology({ graph, nodes, terminals }: GraphCheckContext, jumps: PolicyJumps): Topology {
  const successors = new Map<string, Set<string>>();
  const exits = new Set<string>();
  const link = (from: string, to: string) => {
    if (!nodes.has(from) || !nodes.has(to)) return;
    const set = successors.get(from) ?? new Set<string>();
    set.add(to);
    successors.set(from, set);
  };
  for (const edge of graph.edges) {
    if (edge.to_node_id) link(edge.from_node_id, edge.to_node_id);
    if (edge.terminal_state_id && terminals.has(edge.terminal_state_id)) exits.add(edge.from_node_id);
  }
  for (const [from, to] of jumps) link(from, to);
  for (const policy of graph.dynamic_policies.threshold_policies) {
    if (policy.exhausted_terminal_state_id && terminals.has(policy.exhausted_terminal_state_id)) {
      for (const sourceId of policy.source_node_ids) exits.add(sourceId);
    }
  }
  return { successors, exits };
}

function roots({ graph, nodes, kinds }: GraphCheckContext): string[] {
  const found = graph.entry_nodes.map((e) => e.node_id).filter((id) => nodes.has(id));
  const completion = graph.completion_behavior;
  if (completion && nodes.has(completion.target_node_id)) found.push(completion.target_node_id);
  for (const node of graph.nodes) if (node.stage_kind_id === LANE_MERGE_STAGE_KIND) found.push(node.node_id);
  if (graph.plane === "learning") {
    for (const node of graph.nodes)
      if (kinds.get(node.stage_kind_id)?.kind.can_start_learning_requests) found.push(node.node_id);
  }
  return found;
}

function reachableFrom(start: readonly string[], successors: Topology["successors"]): Set<string> {
  const reached = new Set<string>(start);
  const stack = [...start];
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const next of successors.get(current) ?? []) {
      if (!reached.has(next)) {
        reached.add(next);
        stack.push(next);
      }
    }
  }
  return reached;
}

/** Nodes from which some path reaches an exit (a fixed point over the successor relation). */
function ableToExit({ successors, exits }: Topology): Set<string> {
  const canExit = new Set(exits);
  let changed = true;
  while (changed) {
    changed = false;
    for (const [from, tos] of successors) {
      if (canExit.has(from)) continue;
      for (const to of tos) {
        if (canExit.has(to)) {
          canExit.add(from);
          changed = true;
          break;
        }
      }
    }
  }
  return canExit;
}

export function checkReachability(ctx: GraphCheckContext, jumps: PolicyJumps): void {
  const { graph, kinds, err } = ctx;
  const shape = topology(ctx, jumps);
  const reached = reachableFrom(roots(ctx), shape.successors);
  for (const node of graph.nodes) {
    if (!reached.has(node.node_id)) {
      err(
        "graph_unreachable_node",
        `node ${node.node_id}`,
        "no entry, edge or policy leads to this node",
        "route an edge or entry to it, or remove it",
      );
    }
  }
  const canExit = ableToExit(shape);
  for (const node of graph.nodes) {
    if (reached.has(node.node_id) && !canExit.has(node.node_id) && kinds.has(node.stage_kind_id)) {
      err(
        "graph_no_exit",
        `node ${node.node_id}`,
        "no path from this node reaches a terminal state (a cycle with no exit)",
        "route some outcome on the cycle to a terminal state or add a threshold policy that ends it",
      );
    }
  }
}
