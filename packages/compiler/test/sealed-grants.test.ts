import { type CapabilityGrant, CompiledRunPlanSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import type { GrantSealer } from "../src/index.js";
import { compile, config, tempWorkspace } from "./helpers.js";

/** A stand-in for governance's resolver: one grant per request, its decision from the network policy. */
const sealer: GrantSealer = (node, cfg) => {
  if (!cfg.execution_capabilities.enabled) return null;
  return node.capability_requests.map(
    (request) =>
      ({
        ...request,
        grant_id: `grant.${node.node_id}.${request.request_id}`,
        decision_state: "granted",
        enforcement_mode: "runner_enforced",
        approval_policy_ref: null,
        evidence_requirements: [],
        evidence_status: "not_required",
        decision_reason: `network ${cfg.execution_capabilities.defaults.network_access}`,
        resolved_by: "policy",
        fingerprint: "grant-000000000000",
      }) as CapabilityGrant,
  );
};

function nodesOf(plan: unknown) {
  const parsed = CompiledRunPlanSchema.parse(plan);
  return Object.values(parsed.graphs_by_plane).flatMap((graph) => graph?.nodes ?? []);
}

describe("grants sealed onto compiled nodes", () => {
  it("puts each node's grants on it; without a sealer the nodes carry none (and the plan id is unchanged)", () => {
    const root = tempWorkspace();
    const plain = compile(root, config(), { preview: true });
    const sealed = compile(root, config(), { preview: true, sealGrants: sealer });
    expect(nodesOf(plain.plan).every((node) => node.capability_grants === undefined)).toBe(true);
    const nodes = nodesOf(sealed.plan);
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      expect(node.capability_grants?.map((grant) => grant.request_id)).toEqual(
        node.capability_requests.map((request) => request.request_id),
      );
    }
    expect(nodes.some((node) => (node.capability_grants?.length ?? 0) > 0)).toBe(true);
    expect(sealed.plan?.compiled_plan_id).not.toBe(plain.plan?.compiled_plan_id);
  });

  it("the plan id changes when the grants change, and is stable when they do not", () => {
    const root = tempWorkspace();
    const deny = compile(root, config(), { preview: true, sealGrants: sealer });
    const again = compile(root, config(), { preview: true, sealGrants: sealer });
    const allow = compile(
      root,
      config({ execution_capabilities: { defaults: { network_access: "allow" } } }),
      { preview: true, sealGrants: sealer },
    );
    expect(again.plan?.compiled_plan_id).toBe(deny.plan?.compiled_plan_id);
    expect(allow.plan?.compiled_plan_id).not.toBe(deny.plan?.compiled_plan_id);
    const off = compile(root, config({ execution_capabilities: { enabled: false } }), {
      preview: true,
      sealGrants: sealer,
    });
    expect(nodesOf(off.plan).every((node) => node.capability_grants === null)).toBe(true);
  });

  it("a request the sealer refuses is a compile error naming the node, not a crash", () => {
    const root = tempWorkspace();
    const refusing: GrantSealer = () => {
      throw new Error('capability request "x": capability_id is unknown');
    };
    const result = compile(root, config(), { preview: true, sealGrants: refusing });
    expect(result.ok).toBe(false);
    expect(String(result.diagnostics.errors[0])).toContain(
      'builder: capability request "x": capability_id is unknown',
    );
  });
});
