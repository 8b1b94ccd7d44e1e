import { type GraphLoop, GraphLoopSchema, type Plane } from "@millrace/contracts";
import type { AssetFile, AssetSource } from "./asset-source.js";
import type { IssueList } from "./issues.js";
import { parseAsset } from "./parse-asset.js";
import type { LoadedStageKind } from "./stage-kinds.js";

export interface LoadedGraph {
  readonly graph: GraphLoop;
  readonly file: AssetFile;
}

/** Which entry keys belong to which plane. `closure_target` enters through completion_behavior. */
const ENTRY_KEY_PLANE: Record<string, Plane> = {
  task: "execution",
  spec: "planning",
  incident: "planning",
  probe: "planning",
  blueprint_draft: "planning",
  learning_request: "learning",
};

/** Finds a graph loop: `graphs/<plane>/<name>.json` first, then any graph file declaring the id. */
export function locateGraph(
  source: AssetSource,
  loopId: string,
  issues: IssueList,
  modePath: string,
): LoadedGraph | undefined {
  const dot = loopId.indexOf(".");
  const direct =
    dot > 0 ? source.locate(`graphs/${loopId.slice(0, dot)}/${loopId.slice(dot + 1)}.json`) : undefined;
  if (direct) {
    const graph = parseAsset(source, direct, GraphLoopSchema, issues, "graph loop");
    if (!graph) return undefined;
    if (graph.loop_id === loopId) return { graph, file: direct };
  }
  const matches: LoadedGraph[] = [];
  for (const file of source.list("graphs")) {
    if (file.rel === direct?.rel) continue;
    let declared: unknown;
    try {
      declared = (JSON.parse(source.read(file)) as { loop_id?: unknown }).loop_id;
    } catch {
      continue;
    }
    if (declared !== loopId) continue;
    const graph = parseAsset(source, file, GraphLoopSchema, issues, "graph loop");
    if (graph) matches.push({ graph, file });
  }
  if (matches.length > 1) {
    issues.error(
      "graph_duplicate_id",
      matches.map((m) => m.file.displayPath).join(", "),
      `graph ${loopId}`,
      "more than one graph file declares this loop_id",
      "keep one file per loop_id",
    );
    return undefined;
  }
  if (matches.length === 0) {
    issues.error(
      "graph_not_found",
      modePath,
      `loop ${loopId}`,
      `no graph loop ${loopId} exists (looked for graphs/${loopId.replace(".", "/")}.json)`,
      "create the graph file or select an existing loop id in the mode",
    );
    return undefined;
  }
  return matches[0];
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const value of values) (seen.has(value) ? dup : seen).add(value);
  return [...dup];
}

/**
 * Checks a graph's structure and its agreement with the stage kinds: unique ids, resolvable
 * references, legal outcomes on every edge and policy, every outcome routed, every node reachable
 * from an entry and able to reach a terminal state.
 */
export function validateGraph(
  loaded: LoadedGraph,
  expectedPlane: Plane,
  kinds: ReadonlyMap<string, LoadedStageKind>,
  issues: IssueList,
): void {
  const { graph, file } = loaded;
  const where = file.displayPath;
  const err = (code: string, subject: string, message: string, fix: string) =>
    issues.error(code, where, subject, message, fix);

  if (graph.plane !== expectedPlane) {
    err(
      "graph_wrong_plane",
      `graph ${graph.loop_id}`,
      `the mode uses it for the ${expectedPlane} plane but it declares plane ${graph.plane}`,
      `select a ${expectedPlane}.* loop in the mode`,
    );
  }
  if (!graph.loop_id.startsWith(`${graph.plane}.`)) {
    err(
      "graph_loop_id",
      `graph ${graph.loop_id}`,
      `loop_id must start with "${graph.plane}."`,
      `rename it ${graph.plane}.<name>`,
    );
  }

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

  const nodes = new Map(graph.nodes.map((n) => [n.node_id, n]));
  const terminals = new Set(graph.terminal_states.map((t) => t.terminal_state_id));
  const kindOf = (nodeId: string): LoadedStageKind | undefined => {
    const node = nodes.get(nodeId);
    return node ? kinds.get(node.stage_kind_id) : undefined;
  };
  const legalFor = (nodeId: string): Set<string> => new Set(kindOf(nodeId)?.kind.legal_outcomes ?? []);

  for (const node of graph.nodes) {
    const subject = `node ${node.node_id}`;
    const loadedKind = kinds.get(node.stage_kind_id);
    if (!loadedKind) {
      err(
        "graph_unknown_stage_kind",
        subject,
        `stage kind ${node.stage_kind_id} does not exist`,
        `use a registered kind or add registry/stage_kinds/${graph.plane}/${node.stage_kind_id}.json`,
      );
      continue;
    }
    if (loadedKind.kind.plane !== graph.plane) {
      err(
        "graph_stage_kind_plane",
        subject,
        `stage kind ${node.stage_kind_id} belongs to the ${loadedKind.kind.plane} plane, not ${graph.plane}`,
        `use a ${graph.plane} stage kind`,
      );
    }
    const allowed = new Set<string>(loadedKind.kind.allowed_overrides);
    for (const field of [
      "entrypoint_path",
      "runner_name",
      "model_name",
      "timeout_seconds",
      "thinking_level",
      "permission_profile",
    ] as const) {
      if (node[field] !== undefined && !allowed.has(field)) {
        err(
          "graph_override_not_allowed",
          subject,
          `stage kind ${node.stage_kind_id} does not allow overriding ${field}`,
          `remove ${field} from the node or add it to the kind's allowed_overrides`,
        );
      }
    }
    if (node.attached_skill_additions.length > 0 && !allowed.has("attached_skill_additions")) {
      err(
        "graph_override_not_allowed",
        subject,
        `stage kind ${node.stage_kind_id} does not allow attached_skill_additions`,
        "remove the skill additions or allow them on the kind",
      );
    }
  }

  for (const entry of graph.entry_nodes) {
    const subject = `entry ${entry.entry_key}`;
    if (entry.entry_key === "closure_target") {
      err(
        "graph_entry_reserved",
        subject,
        "closure_target enters through completion_behavior, not entry_nodes",
        "remove this entry and set completion_behavior.target_node_id",
      );
      continue;
    }
    const plane = ENTRY_KEY_PLANE[entry.entry_key];
    if (plane !== graph.plane) {
      err(
        "graph_entry_plane",
        subject,
        `${entry.entry_key} work items belong to the ${plane} plane, not ${graph.plane}`,
        `use one of: ${Object.entries(ENTRY_KEY_PLANE)
          .filter(([, p]) => p === graph.plane)
          .map(([k]) => k)
          .join(", ")}`,
      );
    }
    if (!nodes.has(entry.node_id)) {
      err(
        "graph_dangling_entry",
        subject,
        `entry node ${entry.node_id} does not exist`,
        "point the entry at a declared node",
      );
      continue;
    }
    const families = kindOf(entry.node_id)?.kind.allowed_work_item_families ?? [];
    if (families.length > 0 && !families.includes(entry.entry_key as never)) {
      err(
        "graph_entry_family",
        subject,
        `node ${entry.node_id} (${nodes.get(entry.node_id)?.stage_kind_id}) does not accept ${entry.entry_key} work items`,
        `enter ${entry.entry_key} at a node whose kind lists it in allowed_work_item_families`,
      );
    }
  }

  const routed = new Map<string, Map<string, number[]>>();
  for (const edge of graph.edges) {
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
    if (!nodes.has(edge.from_node_id)) {
      err(
        "graph_dangling_edge",
        subject,
        `source node ${edge.from_node_id} does not exist`,
        "declare the node or fix from_node_id",
      );
      continue;
    }
    if (hasNode && !nodes.has(edge.to_node_id!)) {
      err(
        "graph_dangling_edge",
        subject,
        `target node ${edge.to_node_id} does not exist`,
        "declare the node or fix to_node_id",
      );
    }
    if (hasTerminal && !terminals.has(edge.terminal_state_id!)) {
      err(
        "graph_dangling_edge",
        subject,
        `terminal state ${edge.terminal_state_id} does not exist`,
        "declare it under terminal_states or fix terminal_state_id",
      );
    }
    const legal = legalFor(edge.from_node_id);
    const kindId = nodes.get(edge.from_node_id)?.stage_kind_id;
    for (const outcome of edge.on_outcomes) {
      if (kindOf(edge.from_node_id) && !legal.has(outcome)) {
        err(
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
        err(
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

  const policyTargets: Array<[string, string]> = [];
  for (const policy of graph.dynamic_policies.resume_policies) {
    const subject = `resume policy ${policy.policy_id}`;
    if (!nodes.has(policy.source_node_id)) {
      err(
        "graph_dangling_policy",
        subject,
        `source node ${policy.source_node_id} does not exist`,
        "point it at a declared node",
      );
    } else if (kindOf(policy.source_node_id) && !legalFor(policy.source_node_id).has(policy.on_outcome)) {
      err(
        "graph_policy_illegal_outcome",
        subject,
        `${policy.on_outcome} is not a legal outcome of node ${policy.source_node_id}`,
        "use a legal outcome of the source node",
      );
    }
    for (const target of [policy.default_target_node_id, ...policy.disallowed_target_node_ids]) {
      if (!nodes.has(target)) {
        err(
          "graph_dangling_policy",
          subject,
          `node ${target} does not exist`,
          "reference declared nodes only",
        );
      }
    }
    if (policy.disallowed_target_node_ids.includes(policy.default_target_node_id)) {
      err(
        "graph_policy_conflict",
        subject,
        "the default target is also disallowed",
        "choose an allowed default target",
      );
    }
    policyTargets.push([policy.source_node_id, policy.default_target_node_id]);
  }
  for (const policy of graph.dynamic_policies.threshold_policies) {
    const subject = `threshold policy ${policy.policy_id}`;
    for (const sourceId of policy.source_node_ids) {
      if (!nodes.has(sourceId)) {
        err(
          "graph_dangling_policy",
          subject,
          `source node ${sourceId} does not exist`,
          "reference declared nodes only",
        );
      } else if (kindOf(sourceId) && !legalFor(sourceId).has(policy.on_outcome)) {
        err(
          "graph_policy_illegal_outcome",
          subject,
          `${policy.on_outcome} is not a legal outcome of node ${sourceId}`,
          "use an outcome every source node can report",
        );
      }
    }
    const toNode = policy.exhausted_target_node_id;
    const toTerminal = policy.exhausted_terminal_state_id;
    if ((toNode === undefined) === (toTerminal === undefined)) {
      err(
        "graph_policy_target",
        subject,
        "needs exactly one of exhausted_target_node_id and exhausted_terminal_state_id",
        "keep exactly one exhausted target",
      );
    }
    if (toNode !== undefined) {
      if (!nodes.has(toNode))
        err("graph_dangling_policy", subject, `node ${toNode} does not exist`, "reference a declared node");
      for (const sourceId of policy.source_node_ids) policyTargets.push([sourceId, toNode]);
    }
    if (toTerminal !== undefined && !terminals.has(toTerminal)) {
      err(
        "graph_dangling_policy",
        subject,
        `terminal state ${toTerminal} does not exist`,
        "reference a declared terminal state",
      );
    }
  }

  const completion = graph.completion_behavior;
  if (completion) {
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
    for (const id of [completion.on_pass_terminal_state_id, completion.on_gap_terminal_state_id]) {
      if (!terminals.has(id))
        err(
          "graph_dangling_policy",
          subject,
          `terminal state ${id} does not exist`,
          "reference a declared terminal state",
        );
    }
    if (completion.on_pass_terminal_state_id === completion.on_gap_terminal_state_id) {
      err(
        "graph_completion_terminals",
        subject,
        "pass and gap terminal states must differ",
        "use two different terminal states",
      );
    }
  }
  const recovery = graph.runtime_failure_recovery;
  if (recovery) {
    if (!nodes.has(recovery.default_repair_node_id)) {
      err(
        "graph_dangling_policy",
        "runtime_failure_recovery",
        `repair node ${recovery.default_repair_node_id} does not exist`,
        "point it at a declared node",
      );
    }
    if (!terminals.has(recovery.exhausted_terminal_state_id)) {
      err(
        "graph_dangling_policy",
        "runtime_failure_recovery",
        `terminal state ${recovery.exhausted_terminal_state_id} does not exist`,
        "reference a declared terminal state",
      );
    }
  }

  // Reachability: from the entries (plus the completion target and, on the learning plane, any
  // node a learning request may start at) along edges and policy targets.
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
  for (const [from, to] of policyTargets) link(from, to);
  for (const policy of graph.dynamic_policies.threshold_policies) {
    if (policy.exhausted_terminal_state_id && terminals.has(policy.exhausted_terminal_state_id)) {
      for (const sourceId of policy.source_node_ids) exits.add(sourceId);
    }
  }
  const roots = graph.entry_nodes.map((e) => e.node_id).filter((id) => nodes.has(id));
  if (completion && nodes.has(completion.target_node_id)) roots.push(completion.target_node_id);
  if (graph.plane === "learning") {
    for (const node of graph.nodes)
      if (kinds.get(node.stage_kind_id)?.kind.can_start_learning_requests) roots.push(node.node_id);
  }
  const reached = new Set<string>(roots);
  const stack = [...roots];
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const next of successors.get(current) ?? []) {
      if (!reached.has(next)) {
        reached.add(next);
        stack.push(next);
      }
    }
  }
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
  // Exits: every node must be able to reach a terminal state; otherwise it is a cycle with no exit.
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
