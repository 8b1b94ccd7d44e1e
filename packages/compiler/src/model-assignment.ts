import type { MillraceConfig, ModelAlias, Plane } from "@millrace/contracts";
import type { IssueList } from "./issues.js";
import type { LoadedGraph } from "./locate-graph.js";
import type { LoadedStageKind } from "./stage-kinds.js";

/** The alias id assigned to a stage: by stage kind, else by loop, else the global default. */
function assignedAliasId(config: MillraceConfig, loopId: string, stageKindId: string): string | null {
  const assignment = config.model_assignment;
  if (!assignment.enabled) return null;
  return assignment.by_stage[stageKindId] ?? assignment.by_loop[loopId] ?? assignment.default_alias;
}

/**
 * The alias a node of `loopId` resolves to, or null when assignment is off or the assigned alias is
 * not defined (then the node keeps its own model; `checkModelAssignment` reported it).
 */
export function resolveModelAlias(
  config: MillraceConfig,
  loopId: string,
  stageKindId: string,
): ModelAlias | null {
  const id = assignedAliasId(config, loopId, stageKindId);
  if (id === null) return null;
  return Object.hasOwn(config.model_aliases, id) ? (config.model_aliases[id] ?? null) : null;
}

/**
 * Every assignment that names an undefined alias is reported once, as a warning (policy
 * `warn_fallback`: the stage keeps its own model) or an error (policy `error`). Stage keys must
 * be stage kinds; loop keys must be a loop the mode selected.
 */
export function checkModelAssignment(
  config: MillraceConfig,
  kinds: ReadonlyMap<string, LoadedStageKind>,
  graphs: Partial<Record<Plane, LoadedGraph>>,
  issues: IssueList,
): void {
  const assignment = config.model_assignment;
  if (!assignment.enabled) return;
  const report = assignment.invalid_assignment_policy === "error" ? issues.error : issues.warning;
  const undefinedAlias = (key: string, id: string, used: boolean) => {
    if (!used || Object.hasOwn(config.model_aliases, id)) return;
    report.call(
      issues,
      "model_alias_unknown",
      "millrace.toml",
      key,
      `model alias ${id} is not defined; ${assignment.invalid_assignment_policy === "error" ? "the assignment is refused" : "the stage keeps its own model"}`,
      `define it with \`millrace model-aliases set ${id} --model <name>\`, or assign a defined alias`,
    );
  };
  const loops = new Set(Object.values(graphs).map((loaded) => loaded.graph.loop_id));
  const stages = new Set(
    Object.values(graphs).flatMap((loaded) => loaded.graph.nodes.map((node) => node.stage_kind_id)),
  );
  for (const [stage, id] of Object.entries(assignment.by_stage)) {
    if (!kinds.has(stage)) {
      issues.warning(
        "model_assignment_unknown_stage",
        "millrace.toml",
        `model_assignment.by_stage.${stage}`,
        `${stage} is not a stage kind; the assignment has no effect`,
        "use a stage kind id such as builder, or clear it with `millrace model-aliases clear-stage`",
      );
    }
    undefinedAlias(`model_assignment.by_stage.${stage}`, id, stages.has(stage));
  }
  for (const [loop, id] of Object.entries(assignment.by_loop)) {
    undefinedAlias(`model_assignment.by_loop.${loop}`, id, loops.has(loop));
  }
  // The default applies only when some selected stage is neither stage- nor loop-assigned.
  const defaultUsed = Object.values(graphs).some((loaded) =>
    loaded.graph.nodes.some(
      (node) =>
        assignment.by_stage[node.stage_kind_id] === undefined &&
        assignment.by_loop[loaded.graph.loop_id] === undefined,
    ),
  );
  undefinedAlias("model_assignment.default_alias", assignment.default_alias, defaultUsed);
}
