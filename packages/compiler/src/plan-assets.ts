import { type CompiledNode, type Mode, PLANES, type Plane, type ResolvedAsset } from "@millrace/contracts";
import type { AssetFile, AssetSource } from "./asset-source.js";
import type { IssueList } from "./issues.js";
import type { LoadedGraph } from "./locate-graph.js";
import type { LoadedStageKind } from "./stage-kinds.js";

export interface PlanAssetInput {
  readonly source: AssetSource;
  readonly mode: Mode;
  readonly modeFile: AssetFile;
  readonly graphs: Partial<Record<Plane, LoadedGraph>>;
  readonly kinds: ReadonlyMap<string, LoadedStageKind>;
  /** Every frozen node of the plan, planes in PLANES order. */
  readonly nodes: readonly CompiledNode[];
  readonly issues: IssueList;
}

/** Collects resolved assets in the order the plan lists them (that order feeds the assets fingerprint). */
class ResolvedAssets {
  readonly items: ResolvedAsset[] = [];

  constructor(private readonly source: AssetSource) {}

  add(family: ResolvedAsset["asset_family"], logicalId: string, file: AssetFile): void {
    this.items.push({
      asset_family: family,
      logical_id: logicalId,
      compile_time_path: file.displayPath,
      content_sha256: this.source.sha256(file),
    });
  }

  addMissingSkill(skill: string): void {
    this.items.push({
      asset_family: "skill",
      logical_id: skill,
      compile_time_path: `millrace-agents/${skill}`,
      content_sha256: "missing",
    });
  }
}

function addEntrypoints({ source, nodes, issues }: PlanAssetInput, out: ResolvedAssets): void {
  for (const entrypoint of [...new Set(nodes.map((node) => node.entrypoint_path))]) {
    const file = source.locate(entrypoint);
    const users = nodes.filter((node) => node.entrypoint_path === entrypoint).map((node) => node.node_id);
    if (!file) {
      issues.error(
        "entrypoint_missing",
        `millrace-agents/${entrypoint}`,
        `node ${users.join(", ")}`,
        `entrypoint ${entrypoint} does not exist in the workspace or the packaged baseline`,
        "create the file, run `millrace upgrade`, or point the node/mode at an existing entrypoint",
      );
      continue;
    }
    out.add("entrypoint", entrypoint, file);
  }
}

/** Required skills must exist; returns them so attached skills do not list them twice. */
function addRequiredSkills({ source, nodes, issues }: PlanAssetInput, out: ResolvedAssets): string[] {
  const required = [...new Set(nodes.flatMap((node) => node.required_skill_paths))];
  for (const skill of required) {
    const file = source.locate(skill);
    if (!file) {
      const users = nodes
        .filter((node) => node.required_skill_paths.includes(skill))
        .map((n) => n.stage_kind_id);
      issues.error(
        "skill_missing",
        `millrace-agents/${skill}`,
        `stage kind ${[...new Set(users)].join(", ")}`,
        `required skill ${skill} does not exist`,
        "create the skill file or run `millrace upgrade`",
      );
      continue;
    }
    out.add("skill", skill, file);
  }
  return required;
}

/** A missing attached skill is only a warning: the stage is told it is missing. */
function addAttachedSkills(
  { source, nodes, issues }: PlanAssetInput,
  required: readonly string[],
  out: ResolvedAssets,
): void {
  for (const skill of [...new Set(nodes.flatMap((node) => node.attached_skill_additions))]) {
    if (required.includes(skill)) continue;
    const file = source.locate(skill);
    if (file) {
      out.add("skill", skill, file);
      continue;
    }
    out.addMissingSkill(skill);
    issues.warning(
      "attached_skill_missing",
      `millrace-agents/${skill}`,
      null,
      "an attached skill does not exist yet; the stage will be told it is missing",
      "create the skill or remove the attachment",
    );
  }
}

/**
 * Every asset the plan was compiled from, with its content hash: the mode, the graphs, the stage
 * kinds, entrypoints and skills the frozen nodes use. Missing entrypoints and required skills are
 * errors; a missing attached skill is recorded as "missing" with a warning.
 */
export function resolvePlanAssets(input: PlanAssetInput): ResolvedAsset[] {
  const { mode, modeFile, graphs, kinds, nodes } = input;
  const out = new ResolvedAssets(input.source);
  out.add("mode", mode.mode_id, modeFile);
  for (const plane of [...PLANES].sort()) {
    const loaded = graphs[plane];
    if (loaded) out.add("graph_loop", loaded.graph.loop_id, loaded.file);
  }
  for (const kindId of [...new Set(nodes.map((node) => node.stage_kind_id))]) {
    out.add("stage_kind", kindId, kinds.get(kindId)!.file);
  }
  addEntrypoints(input, out);
  const required = addRequiredSkills(input, out);
  addAttachedSkills(input, required, out);
  return out.items;
}
