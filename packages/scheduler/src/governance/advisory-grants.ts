import type { CapabilityEnforcement, CapabilityGrant, CompiledNode } from "@millrace/contracts";
import { grantFingerprint } from "@millrace/governance";
import { capabilityEnforcementOf, resolveRunnerName } from "@millrace/runners";
import type { EngineContext } from "../state/context.js";

/** What the node's runner makes of the grants (its adapter's verdict), or null when it is not registered. */
export function runnerEnforcement(
  ctx: EngineContext,
  node: CompiledNode,
  grants: readonly CapabilityGrant[],
): CapabilityEnforcement | null {
  const adapter = ctx.registry.get(resolveRunnerName(node.runner_name, ctx.config.runners.default_runner));
  return adapter ? capabilityEnforcementOf(adapter, grants, ctx.config, ctx.env) : null;
}

/** What the node's runner makes of each granted grant (its adapter's verdict). */
export function supportOf(
  ctx: EngineContext,
  node: CompiledNode,
  grants: readonly CapabilityGrant[],
  enforcement = runnerEnforcement(ctx, node, grants),
) {
  return (grant: CapabilityGrant) =>
    enforcement?.grants.find((s) => s.grant_id === grant.grant_id) ?? {
      support: "unsupported" as const,
      reason: `runner ${node.runner_name} is not registered`,
    };
}

/** The note appended to a grant that runs advisory, naming the switch that allowed it. */
export const ADVISORY_NOTE = 'runs advisory under [execution_capabilities] unenforceable = "advisory"';

/**
 * Under `unenforceable = "advisory"`: each required grant that claims runner enforcement its runner
 * can only give as advisory is turned into an advisory grant whose reason says why, so the gate
 * lets the stage run and the runner's record (`runs show`) names it. Under `refuse`, or when every
 * grant is enforceable, the grants are returned as they are.
 */
export function withAdvisoryGrants(
  ctx: EngineContext,
  node: CompiledNode,
  grants: CapabilityGrant[],
): { grants: CapabilityGrant[]; advisory: { grant: CapabilityGrant; reason: string }[] } {
  if (ctx.config.execution_capabilities.unenforceable !== "advisory") return { grants, advisory: [] };
  const support = supportOf(ctx, node, grants);
  const advisory: { grant: CapabilityGrant; reason: string }[] = [];
  const mapped = grants.map((grant) => {
    if (grant.decision_state !== "granted" || !grant.required || grant.enforcement_mode !== "runner_enforced")
      return grant;
    const verdict = support(grant);
    if (verdict.support !== "advisory") return grant;
    const { fingerprint: _old, ...rest } = grant;
    const base = {
      ...rest,
      enforcement_mode: "advisory_only" as const,
      decision_reason: `${grant.decision_reason}; ${ADVISORY_NOTE}: ${verdict.reason}`,
    };
    const changed = { ...base, fingerprint: grantFingerprint(base) };
    advisory.push({ grant: changed, reason: verdict.reason });
    return changed;
  });
  return { grants: advisory.length > 0 ? mapped : grants, advisory };
}
