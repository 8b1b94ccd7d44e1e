import {
  type CompiledRunPlan,
  type FrozenGraphPlanePlan,
  formatTimestamp,
  type LearningTriggerRule,
  type MillraceConfig,
  type Mode,
  PLANES,
  type Plane,
  type ResolvedAsset,
  structuralConfigView,
} from "@millrace/contracts";
import { assetsFingerprint, planId, structuralConfigFingerprint } from "./fingerprints.js";

export interface PlanParts {
  readonly mode: Mode;
  readonly config: MillraceConfig;
  readonly frozen: Partial<Record<Plane, FrozenGraphPlanePlan>>;
  readonly resolved: ResolvedAsset[];
  readonly now: Date;
}

/** Source references in a stable order: the mode, each loop (planes sorted), then the closure. */
function sourceRefs(mode: Mode, frozen: PlanParts["frozen"]): string[] {
  return [
    `mode:${mode.mode_id}`,
    ...[...PLANES]
      .sort()
      .filter((p) => frozen[p])
      .map((p) => `graph_loop:${frozen[p]!.loop_id}`),
    ...(frozen.planning?.completion_behavior ? [`graph_completion_behavior:${frozen.planning.loop_id}`] : []),
  ];
}

/**
 * The plan document from its checked parts. Its id hashes the topology only; the input fingerprint
 * (mode, structural config, asset contents) is what currentness compares later.
 */
export function assemblePlan({ mode, config, frozen, resolved, now }: PlanParts): CompiledRunPlan {
  const loopIds = Object.fromEntries(PLANES.filter((p) => frozen[p]).map((p) => [p, frozen[p]!.loop_id]));
  const triggerRules: LearningTriggerRule[] = mode.learning_trigger_rules;
  const graphsByPlane = Object.fromEntries(PLANES.filter((p) => frozen[p]).map((p) => [p, frozen[p]!]));
  const id = planId(mode.mode_id, {
    loop_ids_by_plane: loopIds,
    graphs_by_plane: graphsByPlane,
    concurrency_policy: mode.concurrency_policy,
    learning_trigger_rules: triggerRules,
  });
  return {
    schema_version: "1.0",
    kind: "compiled_run_plan",
    compiled_plan_id: id,
    compile_input_fingerprint: {
      mode_id: mode.mode_id,
      config_fingerprint: structuralConfigFingerprint(config),
      assets_fingerprint: assetsFingerprint(resolved),
    },
    mode_id: mode.mode_id,
    loop_ids_by_plane: loopIds,
    execution_loop_id: frozen.execution?.loop_id ?? null,
    planning_loop_id: frozen.planning?.loop_id ?? null,
    learning_loop_id: frozen.learning?.loop_id ?? null,
    graphs_by_plane: graphsByPlane,
    execution_graph: frozen.execution ?? null,
    planning_graph: frozen.planning ?? null,
    learning_graph: frozen.learning ?? null,
    concurrency_policy: mode.concurrency_policy,
    learning_trigger_rules: triggerRules,
    recovery_policy: {
      max_fix_cycles: config.recovery.max_fix_cycles,
      max_troubleshoot_attempts_before_consult: config.recovery.max_troubleshoot_attempts_before_consult,
      max_mechanic_attempts: config.recovery.max_mechanic_attempts,
      max_consultant_invocations: config.recovery.max_consultant_invocations,
    },
    structural_config: structuralConfigView(config),
    compiled_at: formatTimestamp(now),
    resolved_assets: resolved,
    source_refs: sourceRefs(mode, frozen),
  };
}
