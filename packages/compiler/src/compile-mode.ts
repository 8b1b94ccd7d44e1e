import {
  type CapabilityGrant,
  type CompiledNode,
  type CompiledRunPlan,
  type FrozenGraphPlanePlan,
  type MillraceConfig,
  PLANES,
  type Plane,
  resolveModeAlias,
} from "@millrace/contracts";
import { assemblePlan } from "./assemble-plan.js";
import type { AssetSource } from "./asset-source.js";
import { checkStageConfig } from "./config-checks.js";
import { freezeGraph } from "./freeze-graph.js";
import { IssueList } from "./issues.js";
import { type LoadedGraph, locateGraph } from "./locate-graph.js";
import { locateMode } from "./locate-mode.js";
import { checkConcurrency, checkModeMaps } from "./mode-checks.js";
import { checkModelAssignment } from "./model-assignment.js";
import { resolvePlanAssets } from "./plan-assets.js";
import { checkRunnerNames } from "./runner-names.js";
import { loadStageKinds } from "./stage-kinds.js";
import { checkTriggerRules } from "./trigger-rule-checks.js";
import { validateGraph } from "./validate-graph.js";

export interface CompileInput {
  readonly source: AssetSource;
  readonly config: MillraceConfig;
  /** Mode to compile; aliases are resolved. */
  readonly modeId: string;
  readonly now: Date;
  /** Resolves a node's capability requests into grants under the config's policy (see CompileOptions). */
  readonly sealGrants?: GrantSealer;
}

/** A node's grants under the config's `[execution_capabilities]` policy, or null when it is off. */
export type GrantSealer = (node: CompiledNode, config: MillraceConfig) => CapabilityGrant[] | null;

/** Puts each node's grants on it, so the plan id covers them; a refused request is a compile error. */
function sealNodes(
  frozen: Partial<Record<Plane, FrozenGraphPlanePlan>>,
  config: MillraceConfig,
  seal: GrantSealer,
  issues: IssueList,
): void {
  for (const plane of PLANES) {
    const graph = frozen[plane];
    if (!graph) continue;
    const nodes = graph.nodes.map((node) => {
      try {
        return { ...node, capability_grants: seal(node, config) };
      } catch (error) {
        issues.error(
          "capability_request_invalid",
          null,
          node.node_id,
          (error as Error).message,
          "Fix the capability request.",
        );
        return node;
      }
    });
    frozen[plane] = { ...graph, nodes };
  }
}

export interface CompileOutput {
  readonly modeId: string;
  readonly plan: CompiledRunPlan | undefined;
  readonly issues: IssueList;
}

/** Stage kind ids and node ids of the selected loops: what a mode's per-stage maps may name. */
function selectedStages(graphs: Partial<Record<Plane, LoadedGraph>>): Set<string> {
  return new Set(
    // Node ids count too, so a node with a mistyped kind does not also fail every mode map key.
    Object.values(graphs).flatMap((loaded) =>
      loaded.graph.nodes.flatMap((node) => [node.stage_kind_id, node.node_id]),
    ),
  );
}

/**
 * Compiles one mode into a plan without writing anything. All findings are collected; the plan is
 * present only when there is no error.
 */
export function compileMode(input: CompileInput): CompileOutput {
  const { source, config } = input;
  const modeId = resolveModeAlias(input.modeId);
  const issues = new IssueList();
  const kinds = loadStageKinds(source, issues);
  checkStageConfig(config, kinds, issues);
  const loadedMode = locateMode(source, modeId, issues);
  if (!loadedMode) return { modeId, plan: undefined, issues };
  const { mode, file: modeFile } = loadedMode;
  const modePath = modeFile.displayPath;

  const graphs: Partial<Record<Plane, LoadedGraph>> = {};
  for (const plane of PLANES) {
    const loopId = mode.loop_ids_by_plane[plane];
    if (!loopId) continue;
    const loaded = locateGraph(source, loopId, issues, modePath);
    if (!loaded) continue;
    validateGraph(loaded, plane, kinds, issues);
    graphs[plane] = loaded;
  }
  checkModeMaps(mode, modePath, selectedStages(graphs), issues);
  checkTriggerRules(mode, modePath, graphs, kinds, issues);
  checkConcurrency(mode, modePath, issues);
  checkModelAssignment(config, kinds, graphs, issues);
  if (issues.errorCount > 0) return { modeId, plan: undefined, issues };

  const frozen: Partial<Record<Plane, FrozenGraphPlanePlan>> = {};
  for (const plane of PLANES) {
    const loaded = graphs[plane];
    if (loaded) frozen[plane] = freezeGraph(loaded, kinds, mode, config);
  }
  if (input.sealGrants) sealNodes(frozen, config, input.sealGrants, issues);
  const nodes = PLANES.flatMap((plane) => frozen[plane]?.nodes ?? []);
  const resolved = resolvePlanAssets({ source, mode, modeFile, graphs, kinds, nodes, issues });
  checkRunnerNames(nodes, modePath, issues);
  if (issues.errorCount > 0) return { modeId, plan: undefined, issues };
  return { modeId, plan: assemblePlan({ mode, config, frozen, resolved, now: input.now }), issues };
}
