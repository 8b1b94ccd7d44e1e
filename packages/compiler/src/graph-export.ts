import {
  type CompiledRunPlan,
  type CompiledStageGraphExport,
  type FrozenGraphPlanePlan,
  PLANES,
  type Plane,
} from "@millrace/contracts";

export const GRAPH_FORMATS = ["mermaid", "dot", "json"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

function exportPlane(plan: CompiledRunPlan, graph: FrozenGraphPlanePlan): CompiledStageGraphExport {
  return {
    schema_version: "1.0",
    kind: "compiled_stage_graph",
    compiled_plan_id: plan.compiled_plan_id,
    mode_id: plan.mode_id,
    loop_id: graph.loop_id,
    plane: graph.plane,
    nodes: graph.nodes.map((node) => ({
      node_id: node.node_id,
      plane: node.plane,
      stage_kind_id: node.stage_kind_id,
      entrypoint_path: node.entrypoint_path,
      entrypoint_contract_id: node.entrypoint_contract_id,
      running_status_marker: node.running_status_marker,
      required_skill_paths: node.required_skill_paths,
      attached_skill_additions: node.attached_skill_additions,
      runner_name: node.runner_name,
      model_name: node.model_name,
      thinking_level: node.thinking_level,
      model_reasoning_effort: node.model_reasoning_effort,
      timeout_seconds: node.timeout_seconds,
      allowed_result_classes_by_outcome: node.allowed_result_classes_by_outcome,
      declared_output_artifacts: node.declared_output_artifacts,
    })),
    edges: graph.compiled_transitions.map((t) => ({
      edge_id: t.edge_id,
      source_node_id: t.source_node_id,
      outcome: t.outcome,
      target_node_id: t.target_node_id,
      terminal_state_id: t.terminal_state_id,
      kind: t.kind,
      priority: t.priority,
      max_attempts: t.max_attempts,
    })),
    entries: graph.compiled_entries,
    terminal_states: graph.terminal_states,
    source_refs: [`mode:${plan.mode_id}`, `graph_loop:${graph.loop_id}`],
  };
}

/**
 * The legal topology of a plan, one export per plane (execution, planning, learning order). Stable:
 * the same plan always exports the same value (no timestamps).
 */
export function exportCompiledGraphs(plan: CompiledRunPlan, plane?: Plane): CompiledStageGraphExport[] {
  return PLANES.filter((p) => plane === undefined || p === plane)
    .map((p) => plan.graphs_by_plane[p])
    .filter((graph): graph is FrozenGraphPlanePlan => graph !== undefined)
    .map((graph) => exportPlane(plan, graph));
}

const mermaidId = (plane: string, id: string) => `${plane}__${id.replace(/[^A-Za-z0-9_]/g, "_")}`;
const dotQuote = (text: string) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** Mermaid flowchart: one subgraph per plane; entries, stage nodes and terminal states. */
export function renderMermaid(exports: readonly CompiledStageGraphExport[]): string {
  const lines = ["flowchart TD"];
  for (const graph of exports) {
    const id = (name: string) => mermaidId(graph.plane, name);
    lines.push(`  subgraph ${graph.plane}["${graph.loop_id}"]`);
    for (const entry of graph.entries) {
      lines.push(`    ${id(`entry_${entry.entry_key}`)}(["${entry.entry_key}"]) --> ${id(entry.node_id)}`);
    }
    for (const node of graph.nodes) {
      const label =
        node.stage_kind_id === node.node_id ? node.node_id : `${node.node_id}<br/>(${node.stage_kind_id})`;
      lines.push(`    ${id(node.node_id)}["${label}"]`);
    }
    for (const terminal of graph.terminal_states) {
      lines.push(
        `    ${id(`end_${terminal.terminal_state_id}`)}{{"${terminal.terminal_state_id}: ${terminal.terminal_class}"}}`,
      );
    }
    for (const edge of graph.edges) {
      const target = edge.target_node_id ? id(edge.target_node_id) : id(`end_${edge.terminal_state_id}`);
      const arrow = edge.kind === "normal" || edge.kind === "terminal" ? "-->" : "-.->";
      lines.push(`    ${id(edge.source_node_id)} ${arrow}|${edge.outcome}| ${target}`);
    }
    lines.push("  end");
  }
  return `${lines.join("\n")}\n`;
}

/** Graphviz dot: one cluster per plane. */
export function renderDot(exports: readonly CompiledStageGraphExport[]): string {
  const lines = ["digraph millrace {", "  rankdir=TB;", "  node [shape=box];"];
  for (const graph of exports) {
    const id = (name: string) => dotQuote(`${graph.plane}:${name}`);
    lines.push(`  subgraph ${dotQuote(`cluster_${graph.plane}`)} {`, `    label=${dotQuote(graph.loop_id)};`);
    for (const entry of graph.entries) {
      lines.push(`    ${id(`entry:${entry.entry_key}`)} [label=${dotQuote(entry.entry_key)}, shape=oval];`);
      lines.push(`    ${id(`entry:${entry.entry_key}`)} -> ${id(entry.node_id)};`);
    }
    for (const node of graph.nodes) {
      lines.push(`    ${id(node.node_id)} [label=${dotQuote(node.node_id)}];`);
    }
    for (const terminal of graph.terminal_states) {
      lines.push(
        `    ${id(`end:${terminal.terminal_state_id}`)} [label=${dotQuote(`${terminal.terminal_state_id}\\n${terminal.terminal_class}`)}, shape=doubleoctagon];`,
      );
    }
    for (const edge of graph.edges) {
      const target = edge.target_node_id ? id(edge.target_node_id) : id(`end:${edge.terminal_state_id}`);
      const style = edge.kind === "normal" || edge.kind === "terminal" ? "" : ", style=dashed";
      lines.push(`    ${id(edge.source_node_id)} -> ${target} [label=${dotQuote(edge.outcome)}${style}];`);
    }
    lines.push("  }");
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

export function renderGraph(exports: readonly CompiledStageGraphExport[], format: GraphFormat): string {
  if (format === "mermaid") return renderMermaid(exports);
  if (format === "dot") return renderDot(exports);
  return `${JSON.stringify(exports, null, 2)}\n`;
}
