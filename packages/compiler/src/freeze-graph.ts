import type {
  CompiledThresholdPolicy,
  CounterName,
  FrozenGraphPlanePlan,
  MillraceConfig,
  Mode,
} from "@millrace/contracts";
import type { LoadedGraph } from "./locate-graph.js";
import { materializeNode } from "./materialize.js";
import { resolveModelAlias } from "./model-assignment.js";
import type { LoadedStageKind } from "./stage-kinds.js";

/** The recovery limit that becomes each counter's threshold in the plan. */
const COUNTER_LIMITS: Record<CounterName, keyof MillraceConfig["recovery"]> = {
  fix_cycle_count: "max_fix_cycles",
  troubleshoot_attempt_count: "max_troubleshoot_attempts_before_consult",
  mechanic_attempt_count: "max_mechanic_attempts",
  consultant_invocations: "max_consultant_invocations",
};

/**
 * A validated graph as the plan carries it: nodes with their settings resolved, entries,
 * transitions (one per routed outcome) and thresholds with their numbers filled in from config.
 */
export function freezeGraph(
  loaded: LoadedGraph,
  kinds: ReadonlyMap<string, LoadedStageKind>,
  mode: Mode,
  config: MillraceConfig,
): FrozenGraphPlanePlan {
  const { graph } = loaded;
  const nodes = graph.nodes.map((node) =>
    materializeNode(
      node,
      kinds.get(node.stage_kind_id)!,
      mode,
      config,
      resolveModelAlias(config, graph.loop_id, node.stage_kind_id),
    ),
  );
  const kindOf = (nodeId: string) => graph.nodes.find((n) => n.node_id === nodeId)?.stage_kind_id ?? nodeId;
  const thresholds: CompiledThresholdPolicy[] = graph.dynamic_policies.threshold_policies.map((policy) => ({
    policy_id: policy.policy_id,
    source_node_ids: [...policy.source_node_ids],
    on_outcome: policy.on_outcome,
    counter_name: policy.counter_name,
    threshold: config.recovery[COUNTER_LIMITS[policy.counter_name]] as number,
    exhausted_target_node_id: policy.exhausted_target_node_id ?? null,
    exhausted_terminal_state_id: policy.exhausted_terminal_state_id ?? null,
  }));
  const completion = graph.completion_behavior;
  return {
    loop_id: graph.loop_id,
    plane: graph.plane,
    nodes,
    entry_nodes: graph.entry_nodes,
    transitions: graph.edges,
    compiled_entries: graph.entry_nodes.map((entry) => ({
      entry_key: entry.entry_key,
      node_id: entry.node_id,
      stage_kind_id: kindOf(entry.node_id),
      plane: graph.plane,
    })),
    compiled_completion_entry: completion
      ? {
          ...completion,
          entry_key: "closure_target",
          node_id: completion.target_node_id,
          stage_kind_id: kindOf(completion.target_node_id),
          plane: graph.plane,
        }
      : null,
    compiled_transitions: graph.edges.flatMap((edge) =>
      edge.on_outcomes.map((outcome) => ({
        edge_id: edge.edge_id,
        source_node_id: edge.from_node_id,
        outcome,
        target_node_id: edge.to_node_id ?? null,
        terminal_state_id: edge.terminal_state_id ?? null,
        kind: edge.kind,
        priority: edge.priority,
        max_attempts: edge.max_attempts ?? null,
      })),
    ),
    compiled_resume_policies: graph.dynamic_policies.resume_policies,
    compiled_threshold_policies: thresholds,
    terminal_states: graph.terminal_states,
    handoff_terminal_only_outcomes: graph.handoff_terminal_only_outcomes,
    completion_behavior: completion,
    runtime_failure_recovery: graph.runtime_failure_recovery,
  };
}
