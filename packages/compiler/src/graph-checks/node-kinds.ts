/**
 * Guarantees every node names a registered stage kind of the graph's own plane, and overrides only
 * the settings (entrypoint, runner, model, timeout, thinking level, permission profile, attached
 * skills) that its kind lists in allowed_overrides. A node with an unknown kind is reported once
 * here; later checks skip what depends on its kind.
 */
import type { GraphNode } from "@millrace/contracts";
import type { LoadedStageKind } from "../stage-kinds.js";
import type { GraphCheckContext } from "./context.js";

const OVERRIDABLE_FIELDS = [
  "entrypoint_path",
  "runner_name",
  "model_name",
  "timeout_seconds",
  "thinking_level",
  "permission_profile",
] as const;

function checkOverrides(node: GraphNode, loadedKind: LoadedStageKind, err: GraphCheckContext["err"]): void {
  const subject = `node ${node.node_id}`;
  const allowed = new Set<string>(loadedKind.kind.allowed_overrides);
  for (const field of OVERRIDABLE_FIELDS) {
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

export function checkNodeKinds({ graph, kinds, err }: GraphCheckContext): void {
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
    checkOverrides(node, loadedKind, err);
  }
}
