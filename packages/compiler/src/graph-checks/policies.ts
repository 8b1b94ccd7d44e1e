/**
 * Guarantees the dynamic policies are consistent with the graph. Resume policies: a declared
 * source node, a legal outcome of it, declared default and disallowed targets, and a default that
 * is not itself disallowed. Threshold policies: declared source nodes each able to report the
 * outcome, and exactly one declared exhausted target (a node or a terminal state). Returns the
 * node-to-node jumps the policies add, which count as paths for reachability.
 */
import type { ResumePolicy, ThresholdPolicy } from "@millrace/contracts";
import type { GraphCheckContext } from "./context.js";

/** [source node id, target node id] pairs a policy can move work along. */
export type PolicyJumps = Array<[string, string]>;

function checkResumePolicy(policy: ResumePolicy, ctx: GraphCheckContext, jumps: PolicyJumps): void {
  const { nodes, err } = ctx;
  const subject = `resume policy ${policy.policy_id}`;
  if (!nodes.has(policy.source_node_id)) {
    err(
      "graph_dangling_policy",
      subject,
      `source node ${policy.source_node_id} does not exist`,
      "point it at a declared node",
    );
  } else if (
    ctx.kindOf(policy.source_node_id) &&
    !ctx.legalFor(policy.source_node_id).has(policy.on_outcome)
  ) {
    err(
      "graph_policy_illegal_outcome",
      subject,
      `${policy.on_outcome} is not a legal outcome of node ${policy.source_node_id}`,
      "use a legal outcome of the source node",
    );
  }
  for (const target of [policy.default_target_node_id, ...policy.disallowed_target_node_ids]) {
    if (!nodes.has(target)) {
      err("graph_dangling_policy", subject, `node ${target} does not exist`, "reference declared nodes only");
    }
  }
  if (policy.disallowed_target_node_ids.includes(policy.default_target_node_id)) {
    err(
      "graph_policy_conflict",
      subject,
      "the default target is also disallowed",
      "choose an allowed default target",
    );
  }
  jumps.push([policy.source_node_id, policy.default_target_node_id]);
}

function checkThresholdSources(policy: ThresholdPolicy, ctx: GraphCheckContext, subject: string): void {
  for (const sourceId of policy.source_node_ids) {
    if (!ctx.nodes.has(sourceId)) {
      ctx.err(
        "graph_dangling_policy",
        subject,
        `source node ${sourceId} does not exist`,
        "reference declared nodes only",
      );
    } else if (ctx.kindOf(sourceId) && !ctx.legalFor(sourceId).has(policy.on_outcome)) {
      ctx.err(
        "graph_policy_illegal_outcome",
        subject,
        `${policy.on_outcome} is not a legal outcome of node ${sourceId}`,
        "use an outcome every source node can report",
      );
    }
  }
}

function checkThresholdPolicy(policy: ThresholdPolicy, ctx: GraphCheckContext, jumps: PolicyJumps): void {
  const { nodes, err } = ctx;
  const subject = `threshold policy ${policy.policy_id}`;
  checkThresholdSources(policy, ctx, subject);
  const toNode = policy.exhausted_target_node_id;
  const toTerminal = policy.exhausted_terminal_state_id;
  if ((toNode === undefined) === (toTerminal === undefined)) {
    err(
      "graph_policy_target",
      subject,
      "needs exactly one of exhausted_target_node_id and exhausted_terminal_state_id",
      "keep exactly one exhausted target",
    );
  }
  if (toNode !== undefined) {
    if (!nodes.has(toNode))
      err("graph_dangling_policy", subject, `node ${toNode} does not exist`, "reference a declared node");
    for (const sourceId of policy.source_node_ids) jumps.push([sourceId, toNode]);
  }
  if (toTerminal !== undefined) ctx.requireTerminal(subject, toTerminal);
}

export function checkPolicies(ctx: GraphCheckContext): PolicyJumps {
  const jumps: PolicyJumps = [];
  for (const policy of ctx.graph.dynamic_policies.resume_policies) checkResumePolicy(policy, ctx, jumps);
  for (const policy of ctx.graph.dynamic_policies.threshold_policies)
    checkThresholdPolicy(policy, ctx, jumps);
  return jumps;
}
