/**
 * Guarantees every entry in entry_nodes is usable: its key is a work-item family of the graph's
 * plane (closure_target is reserved for completion_behavior), it points at a declared node, and
 * that node's stage kind accepts the family when the kind restricts families at all.
 */
import type { Plane } from "@millrace/contracts";
import type { GraphCheckContext } from "./context.js";

/** Which entry keys belong to which plane. `closure_target` enters through completion_behavior. */
const ENTRY_KEY_PLANE: Record<string, Plane> = {
  task: "execution",
  spec: "planning",
  incident: "planning",
  probe: "planning",
  blueprint_draft: "planning",
  learning_request: "learning",
};

function entryKeysOf(plane: Plane): string {
  return Object.entries(ENTRY_KEY_PLANE)
    .filter(([, p]) => p === plane)
    .map(([k]) => k)
    .join(", ");
}

export function checkEntries({ graph, nodes, kindOf, err }: GraphCheckContext): void {
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
        `use one of: ${entryKeysOf(graph.plane)}`,
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
}
