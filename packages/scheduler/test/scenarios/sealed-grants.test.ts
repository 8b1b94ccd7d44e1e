import { readFileSync, writeFileSync } from "node:fs";
import { type CompiledNode, CompiledRunPlanSchema, MillraceConfigSchema } from "@millrace/contracts";
import { resolveCapabilityGrants } from "@millrace/governance";
import { describe, expect, it } from "vitest";
import { policyGrants } from "../../src/governance/stage-grants.js";
import type { EngineContext } from "../../src/state/context.js";
import { enqueueTask, runUntilIdle, type TestWorkspace } from "../fixtures.js";
import { locate, scenarioWorkspace } from "./helpers.js";

/** Issue 12 item 5: the resolved grants are sealed onto each compiled node, inside the plan id. */

function persistedNodes(ws: TestWorkspace) {
  const plan = CompiledRunPlanSchema.parse(JSON.parse(readFileSync(ws.paths.compiledPlan, "utf8")));
  const nodes = Object.values(plan.graphs_by_plane).flatMap((graph) => graph?.nodes ?? []);
  return { id: plan.compiled_plan_id, nodes };
}

function builder(nodes: readonly CompiledNode[]): CompiledNode {
  const node = nodes.find((n) => n.stage_kind_id === "builder");
  if (!node) throw new Error("no builder node");
  return node;
}

describe("grants sealed onto compiled nodes", () => {
  it("the engine's plan carries each node's policy grants; a policy change recompiles with new grants and a new plan id", async () => {
    const ws = scenarioWorkspace({ rules: [] });
    enqueueTask(ws, "task-a");
    await runUntilIdle(ws);
    expect(locate(ws, "task-a")).toEqual(["task/done"]);
    const first = persistedNodes(ws);
    const config = MillraceConfigSchema.parse({});
    for (const node of first.nodes) {
      const expected = resolveCapabilityGrants({
        stageKindRequests: node.capability_requests,
        target: { nodeId: node.node_id, stageKindId: node.stage_kind_id },
        config: config.execution_capabilities,
      });
      expect(node.capability_grants).toEqual(expected);
    }
    const write = builder(first.nodes).capability_grants?.find((g) => g.capability_id === "workspace.write");
    expect(write?.decision_state).toBe("granted");

    // The gate reads the sealed grants themselves (no re-resolution).
    const ctx = { config } as unknown as EngineContext;
    expect(policyGrants(ctx, builder(first.nodes))).toBe(builder(first.nodes).capability_grants);

    const edited = readFileSync(ws.paths.configFile, "utf8").concat(
      '\n[execution_capabilities.defaults]\nworkspace_write = "deny"\n',
    );
    writeFileSync(ws.paths.configFile, edited);
    await runUntilIdle(ws);
    const second = persistedNodes(ws);
    expect(second.id).not.toBe(first.id);
    const denied = builder(second.nodes).capability_grants?.find(
      (g) => g.capability_id === "workspace.write",
    );
    expect(denied?.decision_state).toBe("denied");
  }, 60_000);
});
