import { writeFileSync } from "node:fs";
import path from "node:path";
import { ApprovalsListingOutputSchema, RunDetailSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

function workspace(shellRun: string): string {
  const root = tempDir("millrace-capgate-e2e-");
  expect(runCli(["init", root]).status).toBe(0);
  writeFileSync(
    path.join(root, "millrace-agents", "millrace.toml"),
    `[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.05\n\n[execution_capabilities.defaults]\nshell_run = "${shellRun}"\n`,
  );
  expect(runCli(["add-task", "Gate me", "-w", root, "--json"]).status).toBe(0);
  return root;
}

function pending(root: string) {
  return ApprovalsListingOutputSchema.parse(
    runCli(["approvals", "ls", "--status", "pending", "--json", "-w", root]).json(),
  ).approvals;
}

describe("capability gate through the CLI", () => {
  // Thirteen CLI processes in a row: allowed a minute (each start is slow on a loaded machine).
  it("run once waits for approval; approvals approve lets the stage run; runs show prints its grants", {
    timeout: 60_000,
  }, () => {
    const root = workspace("approval_required");
    expect(runCli(["run", "once", "-w", root]).status).toBe(0);
    const [approval, ...more] = pending(root);
    expect(more).toEqual([]);
    expect(approval).toMatchObject({ capability_id: "shell.run", stage_kind_id: "builder" });
    // Still waiting: no new approval, no stage; a daemon told to stop when idle stops.
    expect(runCli(["run", "once", "-w", root]).status).toBe(0);
    const daemon = runCli(["run", "daemon", "--until-idle", "-w", root]);
    expect(daemon.status, daemon.stderr).toBe(0);
    expect(pending(root)).toHaveLength(1);

    const approved = runCli([
      "approvals",
      "approve",
      String(approval?.approval_id),
      "--actor",
      "ana",
      "-w",
      root,
    ]);
    expect(approved.status, approved.stderr).toBe(0);
    expect(runCli(["run", "once", "-w", root]).status).toBe(0);

    const runs = runCli(["runs", "ls", "--json", "-w", root]).json() as { runs: Array<{ run_id: string }> };
    const runId = String(runs.runs[0]?.run_id);
    const detail = RunDetailSchema.parse(runCli(["runs", "show", runId, "--json", "-w", root]).json());
    expect(detail.stages[0]?.capabilities?.grants).toEqual([
      expect.objectContaining({
        capability_id: "workspace.write",
        decision_state: "granted",
        enforcement: "advisory",
      }),
      expect.objectContaining({
        capability_id: "shell.run",
        decision_state: "granted",
        enforcement: "advisory",
      }),
    ]);
    const text = runCli(["runs", "show", runId, "-w", root]).stdout;
    expect(text).toContain("capability_summary: advisory: scripted has no capability controls\n");
    expect(text).toMatch(
      /capability_grant: grant_id=grant\.builder\.run_commands capability=shell\.run decision=granted enforcement=advisory /,
    );
    expect(text).toContain("note: capability shell.run (grant.builder.run_commands) advisory:");
  });

  it("approvals deny blocks the item; runs show names the block", { timeout: 60_000 }, () => {
    const root = workspace("approval_required");
    expect(runCli(["run", "once", "-w", root]).status).toBe(0);
    const [approval] = pending(root);
    const denied = runCli(["approvals", "deny", String(approval?.approval_id), "--reason", "no", "-w", root]);
    expect(denied.status, denied.stderr).toBe(0);
    expect(runCli(["run", "once", "-w", root]).status).toBe(0);
    const queue = runCli(["queue", "ls", "--json", "-w", root]).json() as { items: Array<{ state: string }> };
    expect(queue.items.map((item) => item.state)).toEqual(["blocked"]);
    const runId = String(approval?.run_id);
    const text = runCli(["runs", "show", runId, "-w", root]).stdout;
    expect(text).toContain(
      "capability_block: node=builder capability=shell.run failure=capability_grant_denied reason=the approval was denied\n",
    );
  });
});
