import { MillraceConfigSchema } from "@millrace/contracts";
import { ApprovalStore, resolveCapabilityGrants } from "@millrace/governance";
import { describe, expect, it } from "vitest";
import { controlWorkspace } from "../../src/index.js";
import { testEngine } from "../fixtures.js";
import { eventsOfType, scenarioWorkspace } from "./helpers.js";

function pendingApproval(ws: ReturnType<typeof scenarioWorkspace>, runId: string) {
  const [grant] = resolveCapabilityGrants({
    stageKindRequests: [
      {
        request_id: "pkg",
        capability_id: "package.install",
        access: "execute",
        required: true,
        requires_enforcement: false,
      },
    ],
    target: { nodeId: "builder", stageKindId: "builder" },
    config: MillraceConfigSchema.parse({}).execution_capabilities,
  });
  if (!grant) throw new Error("no grant");
  return new ApprovalStore(ws.paths).findOrCreate(grant, {
    run_id: runId,
    plane: "execution",
    node_id: "builder",
    stage_kind_id: "builder",
    work_item_kind: "task",
    work_item_id: "t1",
  });
}

describe("execution-capability approvals", () => {
  it("approves through a running daemon and denies directly, recording the issuer", async () => {
    const ws = scenarioWorkspace({ rules: [] });
    const first = pendingApproval(ws, "run-1");
    const second = pendingApproval(ws, "run-2");
    const { engine } = testEngine(ws);
    await engine.start();
    try {
      const queued = controlWorkspace(
        ws.root,
        "approve_execution_capability",
        { approval_id: first.approval_id },
        { issuer: "ana" },
      );
      expect(queued.mode).toBe("mailbox");
      await engine.runDaemon({ untilIdle: true, maxTicks: 5 });
    } finally {
      await engine.close();
    }
    const store = new ApprovalStore(ws.paths);
    expect(store.show(first.approval_id)).toMatchObject({ status: "approved", decided_by: "ana" });
    const denied = controlWorkspace(
      ws.root,
      "deny_execution_capability",
      { approval_id: second.approval_id, reason: "no installs today" },
      { issuer: "bo" },
    );
    expect(denied).toMatchObject({ mode: "direct", applied: true });
    expect(store.show(second.approval_id)).toMatchObject({
      status: "denied",
      decided_by: "bo",
      decision_reason: "no installs today",
    });
    expect(eventsOfType(ws, "execution_capability_decided").map((event) => event.data.decision)).toEqual([
      "approved",
      "denied",
    ]);
    expect(() =>
      controlWorkspace(ws.root, "approve_execution_capability", { approval_id: second.approval_id }),
    ).toThrow(expect.objectContaining({ code: "approval_already_resolved" }));
    expect(() =>
      controlWorkspace(ws.root, "approve_execution_capability", { approval_id: "../etc" }),
    ).toThrow(expect.objectContaining({ code: "invalid_id" }));
  });
});
