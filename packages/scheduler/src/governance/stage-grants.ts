import type { GrantSealer } from "@millrace/compiler";
import type { CapabilityGrant, CompiledNode } from "@millrace/contracts";
import { ApprovalStore, approvedGrant, resolveCapabilityGrants } from "@millrace/governance";
import type { EngineContext } from "../state/context.js";
import { withAdvisoryGrants } from "./advisory-grants.js";

/** Policy grants per compiled node, for the config they were resolved under (nodes change with the plan). */
const cache = new WeakMap<CompiledNode, { config: unknown; grants: CapabilityGrant[] }>();

/**
 * A node's grants under `[execution_capabilities]` policy, before any approval: the node's
 * capability requests (sealed in the compiled plan) decided by the config the plan was compiled
 * with. Null when execution capabilities are off: runners then use their permission levels.
 */
export function policyGrants(ctx: EngineContext, node: CompiledNode): CapabilityGrant[] | null {
  const config = ctx.config.execution_capabilities;
  if (!config.enabled) return null;
  // Sealed by the compiler under the same policy (a policy change recompiles the plan).
  if (node.capability_grants) return node.capability_grants;
  const cached = cache.get(node);
  if (cached && cached.config === config) return cached.grants;
  const grants = resolveCapabilityGrants({
    stageKindRequests: node.capability_requests,
    target: { nodeId: node.node_id, stageKindId: node.stage_kind_id },
    config,
  });
  cache.set(node, { config, grants });
  return grants;
}

/** The compiler's grant sealer: the node's requests under the config's policy (null when off). */
export const sealCapabilityGrants: GrantSealer = (node, config) => {
  const policy = config.execution_capabilities;
  if (!policy.enabled) return null;
  return resolveCapabilityGrants({
    stageKindRequests: node.capability_requests,
    target: { nodeId: node.node_id, stageKindId: node.stage_kind_id },
    config: policy,
  });
};

/**
 * The grants a stage runs with: policy grants, with each approval_required grant this run's
 * approval approved turned into a granted one (the approval named as its resolver).
 */
export function stageGrants(ctx: EngineContext, node: CompiledNode, runId: string): CapabilityGrant[] | null {
  const policy = policyGrants(ctx, node);
  // The same advisory grants the gate let through, so the runner records them (and why).
  const grants = policy ? withAdvisoryGrants(ctx, node, policy).grants : policy;
  if (!grants?.some((grant) => grant.decision_state === "approval_required")) return grants;
  const store = new ApprovalStore(ctx.paths, { now: ctx.clock });
  return grants.map((grant) => {
    const approval = store.forGrant(runId, grant);
    return approval ? approvedGrant(grant, approval) : grant;
  });
}
