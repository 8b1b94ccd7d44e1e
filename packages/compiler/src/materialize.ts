import type {
  CapabilityRequest,
  CompiledNode,
  GraphNode,
  MillraceConfig,
  Mode,
  ModelAlias,
  PermissionLevel,
  ThinkingLevel,
} from "@millrace/contracts";
import type { LoadedStageKind } from "./stage-kinds.js";

/** The kind's capability requests, each replaced by the node's request with the same id, then the node's new ones. */
function mergedRequests(
  fromKind: readonly CapabilityRequest[],
  fromNode: readonly CapabilityRequest[],
): CapabilityRequest[] {
  const byId = new Map<string, CapabilityRequest>();
  for (const request of [...fromKind, ...fromNode]) byId.set(request.request_id, request);
  return [...byId.values()];
}

/** Used when no layer sets a timeout. */
export const DEFAULT_TIMEOUT_SECONDS = 3600;

/**
 * Freezes one graph node. Precedence, lowest to highest (the last layer that sets a value wins):
 *
 *   1. built-in default (runner: `runners.default_runner`; timeout 3600; others unset)
 *   2. the stage kind (entrypoint path, required skills)
 *   3. the graph node
 *   4. the mode's `stage_*` maps
 *   5. the model alias `[model_assignment]` gives the stage (model and thinking level only)
 *   6. `[stages.<stage_kind_id>]` in millrace.toml: the operator has the last word
 *
 * Attached skills accumulate (node list, then mode additions, de-duplicated, order kept).
 * `model_reasoning_effort` is `runners.codex.model_reasoning_effort` < `[stages.<id>]` value.
 */
export function materializeNode(
  node: GraphNode,
  loaded: LoadedStageKind,
  mode: Mode,
  config: MillraceConfig,
  alias: ModelAlias | null = null,
): CompiledNode {
  const kind = loaded.kind;
  const id = kind.stage_kind_id;
  const stageConfig = config.stages[id];
  const modeThinking = Object.hasOwn(mode.stage_thinking_bindings, id)
    ? mode.stage_thinking_bindings[id]
    : undefined;

  const entrypoint =
    mode.stage_entrypoint_overrides[id] ?? node.entrypoint_path ?? kind.default_entrypoint_path;
  const runner =
    stageConfig?.runner ??
    mode.stage_runner_bindings[id] ??
    node.runner_name ??
    config.runners.default_runner;
  const model =
    stageConfig?.model ?? alias?.model ?? mode.stage_model_bindings[id] ?? node.model_name ?? null;
  const thinking: ThinkingLevel | null =
    stageConfig?.thinking_level ??
    alias?.thinking_level ??
    (modeThinking !== undefined ? modeThinking : (node.thinking_level ?? null));
  const effort = stageConfig?.model_reasoning_effort ?? config.runners.codex.model_reasoning_effort ?? null;
  const timeout =
    stageConfig?.timeout_seconds ??
    mode.stage_timeout_bindings[id] ??
    node.timeout_seconds ??
    DEFAULT_TIMEOUT_SECONDS;
  const permission: PermissionLevel | null =
    (mode.stage_permission_bindings[id] as PermissionLevel | undefined) ??
    (node.permission_profile as PermissionLevel | undefined) ??
    null;
  const attached = [
    ...new Set([...node.attached_skill_additions, ...(mode.stage_skill_additions[id] ?? [])]),
  ];

  return {
    node_id: node.node_id,
    stage_kind_id: id,
    stage: loaded.runtimeStage,
    plane: kind.plane,
    entrypoint_path: entrypoint,
    entrypoint_contract_id: `${node.node_id}.contract.v1`,
    running_status_marker: kind.running_status_marker,
    legal_outcomes: [...kind.legal_outcomes],
    allowed_result_classes_by_outcome: Object.fromEntries(
      kind.legal_outcomes.map((outcome) => [
        outcome,
        [...(kind.allowed_result_classes_by_outcome[outcome] ?? [])],
      ]),
    ),
    declared_output_artifacts: [...kind.declared_output_artifacts],
    required_skill_paths: [...kind.required_skill_paths],
    attached_skill_additions: attached,
    runner_name: runner,
    model_name: model,
    thinking_level: thinking,
    model_reasoning_effort: effort,
    timeout_seconds: timeout,
    permission_profile: permission,
    recovery_role: kind.recovery_role,
    closure_role: kind.closure_role,
    idempotence_policy: kind.idempotence_policy,
    capability_requests: mergedRequests(kind.capability_requests, node.capability_requests ?? []),
  };
}
