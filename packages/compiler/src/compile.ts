import {
  type CompiledRunPlan,
  type CompiledThresholdPolicy,
  type CounterName,
  type FrozenGraphPlanePlan,
  formatTimestamp,
  type LearningTriggerRule,
  type MillraceConfig,
  type Mode,
  PLANES,
  type Plane,
  type ResolvedAsset,
  resolveModeAlias,
  structuralConfigView,
} from "@millrace/contracts";
import type { AssetSource } from "./asset-source.js";
import { assetsFingerprint, planId, structuralConfigFingerprint } from "./fingerprints.js";
import { type LoadedGraph, locateGraph, validateGraph } from "./graphs.js";
import { IssueList } from "./issues.js";
import { materializeNode } from "./materialize.js";
import { locateMode } from "./modes.js";
import { type LoadedStageKind, loadStageKinds } from "./stage-kinds.js";

/** Runner names the shipped runners package registers; others are allowed (embedders) with a warning. */
export const KNOWN_RUNNER_NAMES = ["codex_cli", "claude_code", "pi_rpc", "scripted"] as const;

const COUNTER_LIMITS: Record<CounterName, keyof MillraceConfig["recovery"]> = {
  fix_cycle_count: "max_fix_cycles",
  troubleshoot_attempt_count: "max_troubleshoot_attempts_before_consult",
  mechanic_attempt_count: "max_mechanic_attempts",
  consultant_invocations: "max_consultant_invocations",
};

export interface CompileInput {
  readonly source: AssetSource;
  readonly config: MillraceConfig;
  /** Mode to compile; aliases are resolved. */
  readonly modeId: string;
  readonly now: Date;
}

export interface CompileOutput {
  readonly modeId: string;
  readonly plan: CompiledRunPlan | undefined;
  readonly issues: IssueList;
}

const MODE_MAPS = [
  "stage_entrypoint_overrides",
  "stage_skill_additions",
  "stage_model_bindings",
  "stage_runner_bindings",
  "stage_thinking_bindings",
  "stage_timeout_bindings",
  "stage_permission_bindings",
] as const;

function checkConfig(
  config: MillraceConfig,
  kinds: ReadonlyMap<string, LoadedStageKind>,
  issues: IssueList,
): void {
  for (const [stage, section] of Object.entries(config.stages)) {
    const key = `stages.${stage}`;
    if (!kinds.has(stage)) {
      issues.error(
        "config_unknown_stage",
        "millrace.toml",
        key,
        `${stage} is not a stage kind`,
        `use a stage kind id such as builder, or remove [${key}]`,
      );
    }
    if (
      section.thinking_level !== undefined &&
      section.model_reasoning_effort !== undefined &&
      section.thinking_level !== section.model_reasoning_effort
    ) {
      issues.error(
        "config_thinking_conflict",
        "millrace.toml",
        key,
        `thinking_level ${section.thinking_level} disagrees with model_reasoning_effort ${section.model_reasoning_effort}`,
        "set only thinking_level, or make both the same",
      );
    }
  }
}

function checkModeMaps(mode: Mode, modePath: string, selected: ReadonlySet<string>, issues: IssueList): void {
  for (const map of MODE_MAPS) {
    for (const stage of Object.keys(mode[map])) {
      if (!selected.has(stage)) {
        issues.error(
          "mode_map_unselected_stage",
          modePath,
          `${map}.${stage}`,
          `stage ${stage} is not in any loop this mode selects`,
          `remove the key or select a loop containing ${stage}`,
        );
      }
    }
  }
}

function checkTriggerRules(
  mode: Mode,
  modePath: string,
  graphs: Partial<Record<Plane, LoadedGraph>>,
  kinds: ReadonlyMap<string, LoadedStageKind>,
  issues: IssueList,
): void {
  const rules = mode.learning_trigger_rules;
  if (rules.length === 0) return;
  const seen = new Set<string>();
  const learning = graphs.learning;
  if (!mode.loop_ids_by_plane.learning) {
    issues.error(
      "trigger_without_learning",
      modePath,
      "learning_trigger_rules",
      "trigger rules need a learning loop, and this mode selects none",
      'add "learning": "learning.standard" to loop_ids_by_plane or remove the rules',
    );
    return;
  }
  for (const rule of rules) {
    const subject = `learning trigger ${rule.rule_id}`;
    if (seen.has(rule.rule_id)) {
      issues.error(
        "trigger_duplicate_id",
        modePath,
        subject,
        "rule_id is used twice",
        "give each rule a unique id",
      );
    }
    seen.add(rule.rule_id);
    const sourceGraph = graphs[rule.source_plane]?.graph;
    const sourceNode = sourceGraph?.nodes.find((n) => n.stage_kind_id === rule.source_stage);
    if (sourceGraph && !sourceNode) {
      issues.error(
        "trigger_unknown_source",
        modePath,
        subject,
        `source stage ${rule.source_stage} is not in the selected ${rule.source_plane} loop ${sourceGraph.loop_id}`,
        `use a stage of ${sourceGraph.loop_id}`,
      );
    }
    const sourceKind = kinds.get(rule.source_stage);
    if (sourceNode && sourceKind) {
      for (const outcome of rule.on_terminal_results) {
        if (!sourceKind.kind.legal_outcomes.includes(outcome)) {
          issues.error(
            "trigger_illegal_outcome",
            modePath,
            subject,
            `${outcome} is not a legal outcome of ${rule.source_stage}`,
            `use outcomes of ${rule.source_stage}: ${sourceKind.kind.legal_outcomes.join(", ")}`,
          );
        }
      }
    }
    if (learning) {
      const targetNode = learning.graph.nodes.find((n) => n.stage_kind_id === rule.target_stage);
      if (!targetNode) {
        issues.error(
          "trigger_unknown_target",
          modePath,
          subject,
          `target stage ${rule.target_stage} is not in the learning loop ${learning.graph.loop_id}`,
          "target a learning stage such as analyst",
        );
      } else if (!kinds.get(targetNode.stage_kind_id)?.kind.can_start_learning_requests) {
        issues.error(
          "trigger_target_cannot_start",
          modePath,
          subject,
          `learning requests cannot start at ${rule.target_stage} (can_start_learning_requests is false)`,
          "target a stage kind that can start learning requests (analyst, curator, librarian)",
        );
      }
    }
    if (
      rule.target_stage === "curator" &&
      !rule.target_skill_id &&
      rule.preferred_output_paths.length === 0
    ) {
      issues.error(
        "trigger_curator_destination",
        modePath,
        subject,
        "a rule that goes straight to the curator needs a safe destination",
        "set target_skill_id or preferred_output_paths, or target the analyst instead",
      );
    }
  }
}

function checkConcurrency(mode: Mode, modePath: string, issues: IssueList): void {
  const policy = mode.concurrency_policy;
  if (!policy) return;
  for (const [field, groups] of [
    ["mutually_exclusive_planes", policy.mutually_exclusive_planes],
    ["may_run_concurrently", policy.may_run_concurrently],
  ] as const) {
    for (const group of groups) {
      for (const plane of group) {
        if (!mode.loop_ids_by_plane[plane]) {
          issues.error(
            "mode_concurrency_plane",
            modePath,
            `concurrency_policy.${field}`,
            `plane ${plane} has no loop in this mode`,
            "name only planes the mode selects",
          );
        }
      }
    }
  }
}

function freezeGraph(
  loaded: LoadedGraph,
  kinds: ReadonlyMap<string, LoadedStageKind>,
  mode: Mode,
  config: MillraceConfig,
): FrozenGraphPlanePlan {
  const { graph } = loaded;
  const nodes = graph.nodes.map((node) =>
    materializeNode(node, kinds.get(node.stage_kind_id)!, mode, config),
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

/**
 * Compiles one mode into a plan without writing anything. All findings are collected; the plan is
 * present only when there is no error.
 */
export function compileMode(input: CompileInput): CompileOutput {
  const { source, config } = input;
  const modeId = resolveModeAlias(input.modeId);
  const issues = new IssueList();
  const kinds = loadStageKinds(source, issues);
  checkConfig(config, kinds, issues);
  const loadedMode = locateMode(source, modeId, issues);
  if (!loadedMode) return { modeId, plan: undefined, issues };
  const { mode, file: modeFile } = loadedMode;

  const graphs: Partial<Record<Plane, LoadedGraph>> = {};
  for (const plane of PLANES) {
    const loopId = mode.loop_ids_by_plane[plane];
    if (!loopId) continue;
    const loaded = locateGraph(source, loopId, issues, modeFile.displayPath);
    if (!loaded) continue;
    validateGraph(loaded, plane, kinds, issues);
    graphs[plane] = loaded;
  }
  const selected = new Set(
    // Node ids count too, so a node with a mistyped kind does not also fail every mode map key.
    Object.values(graphs).flatMap((loaded) =>
      loaded.graph.nodes.flatMap((node) => [node.stage_kind_id, node.node_id]),
    ),
  );
  checkModeMaps(mode, modeFile.displayPath, selected, issues);
  checkTriggerRules(mode, modeFile.displayPath, graphs, kinds, issues);
  checkConcurrency(mode, modeFile.displayPath, issues);
  if (issues.errorCount > 0) return { modeId, plan: undefined, issues };

  const frozen: Partial<Record<Plane, FrozenGraphPlanePlan>> = {};
  for (const plane of PLANES) {
    const loaded = graphs[plane];
    if (loaded) frozen[plane] = freezeGraph(loaded, kinds, mode, config);
  }

  // Runner names and assets referenced by the frozen nodes.
  const resolved: ResolvedAsset[] = [];
  const ref = (
    family: ResolvedAsset["asset_family"],
    logicalId: string,
    file: { displayPath: string } & object,
  ) =>
    resolved.push({
      asset_family: family,
      logical_id: logicalId,
      compile_time_path: file.displayPath,
      content_sha256: source.sha256(file as never),
    });
  ref("mode", mode.mode_id, modeFile);
  for (const plane of [...PLANES].sort()) {
    const loaded = graphs[plane];
    if (loaded) ref("graph_loop", loaded.graph.loop_id, loaded.file);
  }
  const allNodes = PLANES.flatMap((plane) => frozen[plane]?.nodes ?? []);
  const usedKinds = [...new Set(allNodes.map((node) => node.stage_kind_id))];
  for (const kindId of usedKinds) ref("stage_kind", kindId, kinds.get(kindId)!.file);
  for (const entrypoint of [...new Set(allNodes.map((node) => node.entrypoint_path))]) {
    const file = source.locate(entrypoint);
    const users = allNodes.filter((node) => node.entrypoint_path === entrypoint).map((node) => node.node_id);
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
    ref("entrypoint", entrypoint, file);
  }
  const required = [...new Set(allNodes.flatMap((node) => node.required_skill_paths))];
  for (const skill of required) {
    const file = source.locate(skill);
    if (!file) {
      const users = allNodes
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
    ref("skill", skill, file);
  }
  for (const skill of [...new Set(allNodes.flatMap((node) => node.attached_skill_additions))]) {
    if (required.includes(skill)) continue;
    const file = source.locate(skill);
    if (file) ref("skill", skill, file);
    else {
      resolved.push({
        asset_family: "skill",
        logical_id: skill,
        compile_time_path: `millrace-agents/${skill}`,
        content_sha256: "missing",
      });
      issues.warning(
        "attached_skill_missing",
        `millrace-agents/${skill}`,
        null,
        "an attached skill does not exist yet; the stage will be told it is missing",
        "create the skill or remove the attachment",
      );
    }
  }
  for (const node of allNodes) {
    if (!(KNOWN_RUNNER_NAMES as readonly string[]).includes(node.runner_name)) {
      issues.warning(
        "runner_unknown",
        modeFile.displayPath,
        `node ${node.node_id}`,
        `runner ${node.runner_name} is not one of the built-in runners (${KNOWN_RUNNER_NAMES.join(", ")})`,
        "register the runner with the engine, or use a built-in runner",
      );
    }
  }
  if (issues.errorCount > 0) return { modeId, plan: undefined, issues };

  const loopIds = Object.fromEntries(PLANES.filter((p) => frozen[p]).map((p) => [p, frozen[p]!.loop_id]));
  const triggerRules: LearningTriggerRule[] = mode.learning_trigger_rules;
  const graphsByPlane = Object.fromEntries(PLANES.filter((p) => frozen[p]).map((p) => [p, frozen[p]!]));
  const id = planId(mode.mode_id, {
    loop_ids_by_plane: loopIds,
    graphs_by_plane: graphsByPlane,
    concurrency_policy: mode.concurrency_policy,
    learning_trigger_rules: triggerRules,
  });
  const sourceRefs = [
    `mode:${mode.mode_id}`,
    ...[...PLANES]
      .sort()
      .filter((p) => frozen[p])
      .map((p) => `graph_loop:${frozen[p]!.loop_id}`),
    ...(frozen.planning?.completion_behavior ? [`graph_completion_behavior:${frozen.planning.loop_id}`] : []),
  ];
  const plan: CompiledRunPlan = {
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
    compiled_at: formatTimestamp(input.now),
    resolved_assets: resolved,
    source_refs: sourceRefs,
  };
  return { modeId, plan, issues };
}
