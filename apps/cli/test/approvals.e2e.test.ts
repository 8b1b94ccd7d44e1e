import path from "node:path";
import {
  ApprovalsListingOutputSchema,
  CapabilityApprovalSchema,
  ControlResultOutputSchema,
  MillraceConfigSchema,
} from "@millrace/contracts";
import { ApprovalStore, resolveCapabilityGrants } from "@millrace/governance";
import { workspacePaths } from "@millrace/workspace";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

describe("millrace approvals", () => {
  let ws: string;
  let id: string;
  beforeAll(() => {
    ws = path.join(tempDir("millrace-approvals-e2e-"), "ws");
    expect(runCli(["init", ws]).status).toBe(0);
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
    id = new ApprovalStore(workspacePaths(ws)).findOrCreate(grant, {
      run_id: "run-1",
      plane: "execution",
      node_id: "builder",
      stage_kind_id: "builder",
      work_item_kind: "task",
      work_item_id: "t1",
    }).approval_id;
  });

  it("lists and shows approvals, then approves one with the issuer recorded", () => {
    const listing = ApprovalsListingOutputSchema.parse(
      runCli(["approvals", "ls", "--json", "-w", ws]).json(),
    );
    expect(listing.approvals.map((a) => [a.approval_id, a.status])).toEqual([[id, "pending"]]);
    expect(runCli(["approvals", "ls", "-w", ws]).stdout).toContain(
      `pending ${id} package.install stage=builder`,
    );
    CapabilityApprovalSchema.parse(runCli(["approvals", "show", id, "--json", "-w", ws]).json());
    const approved = runCli([
      "approvals",
      "approve",
      id,
      "--actor",
      "ana",
      "--reason",
      "ok",
      "--json",
      "-w",
      ws,
    ]);
    expect(approved.status, approved.stderr).toBe(0);
    expect(ControlResultOutputSchema.parse(approved.json())).toMatchObject({ applied: true, mode: "direct" });
    const shown = CapabilityApprovalSchema.parse(
      runCli(["approvals", "show", id, "--json", "-w", ws]).json(),
    );
    expect(shown).toMatchObject({ status: "approved", decided_by: "ana", decision_reason: "ok" });
    expect(runCli(["approvals", "ls", "--status", "pending", "-w", ws]).stdout).toBe("no approvals\n");
  });

  it("refuses a second decision, an unknown id and a missing id", () => {
    const again = runCli(["approvals", "deny", id, "-w", ws]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain(id);
    const unknown = runCli(["approvals", "show", "approval-nope-00000000", "-w", ws]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("no approval approval-nope-00000000");
    const missing = runCli(["approvals", "approve", "-w", ws]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("needs an approval id");
  });
});
