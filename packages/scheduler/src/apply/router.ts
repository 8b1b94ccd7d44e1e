import type {
  ActiveRunState,
  CompiledNode,
  CompiledThresholdPolicy,
  CounterName,
  FrozenGraphPlanePlan,
  Plane,
  StageResultEnvelope,
  TerminalActionId,
  TerminalState,
} from "@millrace/contracts";
import type { CounterTotals } from "../state/counter-totals.js";

/** What the engine does after a stage result: run another stage, or end the plane run one of three ways. */
export type RouterAction = "run_stage" | "idle" | "blocked" | "handoff";

export interface RouterDecision {
  action: RouterAction;
  plane: Plane;
  /** The node to run next (run_stage only). */
  nextNodeId: string | null;
  nextStage: string | null;
  nextStageKindId: string | null;
  /** The terminal state that ended the run (idle / blocked / handoff). */
  terminalStateId: string | null;
  terminalActionId: TerminalActionId | null;
  /** The status token the plane's status file should show after the decision. */
  statusToken: string;
  reason: string;
  failureClass: string | null;
  /** Counters to increment for the work item before the next stage. */
  counterIncrements: CounterName[];
  /** Counters to reset for the work item (a real recovery). */
  counterResets: CounterName[];
  /** True when a handoff incident must be enqueued. */
  createIncident: boolean;
  /** The policy that decided, if one did. */
  policyId: string | null;
}

export interface RouteInput {
  graph: FrozenGraphPlanePlan;
  run: ActiveRunState;
  result: StageResultEnvelope;
  counters: CounterTotals;
  /** The snapshot's current failure class for this plane's item, if any. */
  currentFailureClass: string | null;
}

export class RoutingError extends Error {
  override name = "RoutingError";
}

/** Lower-case, runs of non-alphanumerics to `_`, trimmed: the reference's failure-class shape. */
export function normalizeFailureClass(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

function resolveFailureClass(input: RouteInput, fallback: string): string {
  const fromResult = input.result.metadata.failure_class;
  const candidate =
    (typeof fromResult === "string" && fromResult.trim() !== "" ? fromResult : null) ??
    (input.currentFailureClass && input.currentFailureClass.trim() !== ""
      ? input.currentFailureClass
      : null) ??
    fallback;
  return normalizeFailureClass(candidate) || normalizeFailureClass(fallback);
}

/** The counter a recovery node's entries are counted under. */
export function roleCounter(node: CompiledNode): CounterName | null {
  if (node.recovery_role === "local_repair") {
    return node.plane === "planning" ? "mechanic_attempt_count" : "troubleshoot_attempt_count";
  }
  if (node.recovery_role === "escalation") return "consultant_invocations";
  return null;
}

function nodeById(graph: FrozenGraphPlanePlan, nodeId: string): CompiledNode {
  const node = graph.nodes.find((candidate) => candidate.node_id === nodeId);
  if (!node) throw new RoutingError(`graph ${graph.loop_id} has no node ${nodeId}`);
  return node;
}

function terminalById(graph: FrozenGraphPlanePlan, terminalStateId: string): TerminalState {
  const terminal = graph.terminal_states.find((candidate) => candidate.terminal_state_id === terminalStateId);
  if (!terminal) throw new RoutingError(`graph ${graph.loop_id} has no terminal state ${terminalStateId}`);
  return terminal;
}

function terminalAction(terminal: TerminalState): TerminalActionId {
  if (terminal.terminal_action_id) return terminal.terminal_action_id;
  switch (terminal.terminal_class) {
    case "success":
    case "no_op":
      return "complete_work_item";
    case "blocked":
      return "block_work_item";
    case "escalate_planning":
      return "escalate_to_planning";
    case "followup_needed":
      return "closure_gap";
  }
}

function actionOfTerminal(actionId: TerminalActionId): RouterAction {
  switch (actionId) {
    case "block_work_item":
    case "recon_block_work_item":
      return "blocked";
    case "escalate_to_planning":
    case "closure_gap":
      return "handoff";
    default:
      return "idle";
  }
}

interface Target {
  nodeId?: string;
  terminalStateId?: string;
}

/**
 * When a threshold sends work into a recovery node whose own budget is already spent, follow that
 * node's exhaustion policy instead, so every path into recovery counts against one honest budget.
 */
function chainExhaustedRecovery(
  graph: FrozenGraphPlanePlan,
  target: Target,
  counters: CounterTotals,
  visited: Set<string>,
): { target: Target; policy: CompiledThresholdPolicy | null } {
  if (!target.nodeId || visited.has(target.nodeId)) return { target, policy: null };
  visited.add(target.nodeId);
  const counter = roleCounter(nodeById(graph, target.nodeId));
  if (!counter) return { target, policy: null };
  const budget = graph.compiled_threshold_policies.find(
    (policy) => policy.counter_name === counter && policy.source_node_ids.includes(target.nodeId ?? ""),
  );
  if (!budget || counters[counter] < budget.threshold) return { target, policy: null };
  const next: Target = budget.exhausted_target_node_id
    ? { nodeId: budget.exhausted_target_node_id }
    : { terminalStateId: budget.exhausted_terminal_state_id ?? undefined };
  const deeper = chainExhaustedRecovery(graph, next, counters, visited);
  return { target: deeper.target, policy: deeper.policy ?? budget };
}

/**
 * Decides what follows a stage result, from the compiled graph alone: threshold policies first
 * (budgets), then resume policies (a recovery stage may name where to resume), then the compiled
 * transition for (node, outcome). Pure: no I/O, no clock.
 */
export function routeStageResult(input: RouteInput): RouterDecision {
  const { graph, run, result } = input;
  if (result.plane !== run.plane || result.node_id !== run.node_id || result.run_id !== run.run_id) {
    throw new RoutingError(
      `stage result ${result.plane}/${result.node_id} run ${result.run_id} does not match the active run ${run.plane}/${run.node_id} run ${run.run_id}`,
    );
  }
  const node = nodeById(graph, run.node_id);
  const outcome = result.terminal_result;
  if (!(outcome in node.allowed_result_classes_by_outcome)) {
    throw new RoutingError(`${outcome} is not a legal outcome of node ${node.node_id}`);
  }
  const stage = node.stage;
  const blocked = outcome === "BLOCKED";
  const defaultFailure = blocked ? `${stage}_blocked` : outcome === "FIX_NEEDED" ? "fix_cycle_exhausted" : "";
  const failureClass =
    blocked || outcome === "FIX_NEEDED" ? resolveFailureClass(input, defaultFailure) : null;

  // 1. Threshold policies: a spent budget overrides the normal edge.
  const increments: CounterName[] = [];
  const exhausted = thresholdDecision(input, node, failureClass, increments);
  if (exhausted) return exhausted;

  // 2. Resume policies: a recovery stage may name the node to resume at.
  const resume = graph.compiled_resume_policies.find(
    (policy) => policy.source_node_id === node.node_id && policy.on_outcome === outcome,
  );
  if (resume) {
    const targetId = resumeTargetId(graph, resume, result);
    const resets: CounterName[] = node.recovery_role === "local_repair" ? ["fix_cycle_count"] : [];
    return decide(
      input,
      { nodeId: targetId },
      {
        reason: `${resume.policy_id}:${targetId}`,
        failureClass: input.currentFailureClass,
        policyId: resume.policy_id,
        increments,
        resets,
      },
    );
  }

  // 3. The compiled transition for (node, outcome); the lowest priority number wins.
  const transitions = graph.compiled_transitions
    .filter((transition) => transition.source_node_id === node.node_id && transition.outcome === outcome)
    .sort((a, b) => a.priority - b.priority);
  const transition = transitions[0];
  if (!transition) {
    throw new RoutingError(`graph ${graph.loop_id} routes no transition for ${node.node_id} ${outcome}`);
  }
  const target: Target = transition.target_node_id
    ? { nodeId: transition.target_node_id }
    : { terminalStateId: transition.terminal_state_id ?? undefined };
  const reason = transition.target_node_id
    ? blocked
      ? `${stage}_blocked`
      : outcome === "FIX_NEEDED"
        ? "fix_needed"
        : `${stage}:${outcome}`
    : "";
  return decide(input, target, {
    reason,
    failureClass,
    policyId: null,
    increments,
    resets: [],
  });
}

/**
 * The first threshold policy of the node whose budget is spent decides (chaining through exhausted
 * recovery nodes). Counters no recovery node owns (fix cycles) count traversals, so they are added
 * to `increments` as the policies are checked; recovery-node counters count entries.
 */
function thresholdDecision(
  input: RouteInput,
  node: CompiledNode,
  failureClass: string | null,
  increments: CounterName[],
): RouterDecision | undefined {
  const { graph } = input;
  const outcome = input.result.terminal_result;
  for (const policy of graph.compiled_threshold_policies) {
    if (!policy.source_node_ids.includes(node.node_id) || policy.on_outcome !== outcome) continue;
    if (input.counters[policy.counter_name] >= policy.threshold) {
      const first: Target = policy.exhausted_target_node_id
        ? { nodeId: policy.exhausted_target_node_id }
        : { terminalStateId: policy.exhausted_terminal_state_id ?? undefined };
      const chained = chainExhaustedRecovery(graph, first, input.counters, new Set([node.node_id]));
      const reason = `${policy.policy_id}:exhausted`;
      return decide(input, chained.target, {
        reason,
        failureClass:
          failureClass ??
          resolveFailureClass(input, `${policy.counter_name.replace(/_count$/, "")}_exhausted`),
        policyId: chained.policy?.policy_id ?? policy.policy_id,
        increments,
        resets: [],
      });
    }
    if (!isRoleOwned(graph, policy.counter_name)) increments.push(policy.counter_name);
  }
  return undefined;
}

/** Where a resume policy sends the run: a node named in the stage's metadata, else its default. */
function resumeTargetId(
  graph: FrozenGraphPlanePlan,
  resume: FrozenGraphPlanePlan["compiled_resume_policies"][number],
  result: StageResultEnvelope,
): string {
  const stageMetadata = (result.metadata.stage_metadata ?? {}) as Record<string, unknown>;
  for (const key of resume.metadata_stage_keys) {
    const value = stageMetadata[key] ?? (result.metadata as Record<string, unknown>)[key];
    if (
      typeof value === "string" &&
      graph.nodes.some((candidate) => candidate.node_id === value) &&
      !resume.disallowed_target_node_ids.includes(value)
    ) {
      return value;
    }
  }
  return resume.default_target_node_id;
}

function isRoleOwned(graph: FrozenGraphPlanePlan, counter: CounterName): boolean {
  return graph.nodes.some((node) => roleCounter(node) === counter);
}

function decide(
  input: RouteInput,
  target: Target,
  details: {
    reason: string;
    failureClass: string | null;
    policyId: string | null;
    increments: CounterName[];
    resets: CounterName[];
  },
): RouterDecision {
  const { graph, result } = input;
  if (target.nodeId) {
    const next = nodeById(graph, target.nodeId);
    const increments = [...details.increments];
    const counter = roleCounter(next);
    if (counter && !increments.includes(counter)) increments.push(counter);
    return {
      action: "run_stage",
      plane: graph.plane,
      nextNodeId: next.node_id,
      nextStage: next.stage,
      nextStageKindId: next.stage_kind_id,
      terminalStateId: null,
      terminalActionId: null,
      statusToken: result.terminal_result,
      reason: details.reason,
      failureClass: details.failureClass,
      counterIncrements: increments,
      counterResets: details.resets,
      createIncident: false,
      policyId: details.policyId,
    };
  }
  if (!target.terminalStateId)
    throw new RoutingError("a routing target names neither a node nor a terminal state");
  const terminal = terminalById(graph, target.terminalStateId);
  const actionId = terminalAction(terminal);
  const action = actionOfTerminal(actionId);
  const failureClass =
    action === "idle"
      ? null
      : actionId === "closure_gap" && !terminal.failure_class_template
        ? "arbiter_parity_gap"
        : (details.failureClass ??
          (terminal.failure_class_template ? normalizeFailureClass(terminal.failure_class_template) : null) ??
          normalizeFailureClass(terminal.router_reason ?? terminal.terminal_state_id));
  return {
    action,
    plane: graph.plane,
    nextNodeId: null,
    nextStage: null,
    nextStageKindId: null,
    terminalStateId: terminal.terminal_state_id,
    terminalActionId: actionId,
    statusToken: terminal.writes_status,
    reason: details.reason || terminal.router_reason || terminal.terminal_state_id,
    failureClass,
    counterIncrements: [],
    counterResets: [],
    createIncident: action === "handoff",
    policyId: details.policyId,
  };
}
