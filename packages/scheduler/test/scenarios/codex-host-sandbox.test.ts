import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CapabilityEnforcementRecord } from "@millrace/contracts";
import { fakeCodexRunnerToml } from "@millrace/runners/testing";
import { initWorkspace, workspacePaths } from "@millrace/workspace";
import { describe, expect, it, onTestFinished } from "vitest";
import { BasicMonitorFormatter } from "../../src/monitor/basic-formatter.js";
import { enqueueTask, runUntilIdle, type TestWorkspace } from "../fixtures.js";
import { eventsOfType, locate } from "./helpers.js";

/*
 * Issue 12 item 5, the host half: where Codex's own sandbox cannot run (the fake Codex's
 * `sandbox` self-check fails as 0.169 does in a container without Landlock), a Codex stage is
 * refused by the pre-dispatch gate by default, and runs without the sandbox, said everywhere, under
 * `[execution_capabilities] unenforceable = "advisory"`. The probe runs once per process.
 */

interface HostWorkspace extends TestWorkspace {
  readonly record: string;
  readonly probeLog: string;
}

function codexWorkspace(sandbox: "ok" | "fail", unenforceable?: "advisory"): HostWorkspace {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-codex-host-"));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  initWorkspace(root);
  const paths = workspacePaths(root);
  const record = path.join(root, "fake-codex-record.json");
  const probeLog = path.join(root, "sandbox-probes.log");
  writeFileSync(
    paths.configFile,
    [
      "[runtime]",
      'default_mode = "default_codex"',
      "idle_sleep_seconds = 0.05",
      "",
      ...(unenforceable ? ["[execution_capabilities]", `unenforceable = "${unenforceable}"`, ""] : []),
      ...fakeCodexRunnerToml({
        FAKE_RECORD: record,
        FAKE_CODEX_SANDBOX_LOG: probeLog,
        ...(sandbox === "fail" ? { FAKE_CODEX_SANDBOX: "fail" } : {}),
      }),
    ].join("\n"),
  );
  return { root, paths, record, probeLog };
}

function probes(ws: HostWorkspace): number {
  return readFileSync(ws.probeLog, "utf8").split("\n").filter(Boolean).length;
}

function argv(ws: HostWorkspace): string {
  return (JSON.parse(readFileSync(ws.record, "utf8")) as { argv: string[] }).argv.join(" ");
}

function enforcementRecords(ws: TestWorkspace, runId: string): CapabilityEnforcementRecord[] {
  const dir = path.join(ws.paths.runtimeRoot, "runs", runId);
  return readdirSync(dir)
    .filter((name) => name.startsWith("capability_enforcement."))
    .map((name) => JSON.parse(readFileSync(path.join(dir, name), "utf8")) as CapabilityEnforcementRecord);
}

describe("a Codex stage on a host where Codex's sandbox cannot run", () => {
  it("works: the sandbox flags and enforced grants as before, one probe for every stage", async () => {
    const ws = codexWorkspace("ok");
    enqueueTask(ws, "t1");
    await runUntilIdle(ws, {}, 40);
    expect(locate(ws, "t1")).toEqual(["task/done"]);
    const completed = eventsOfType(ws, "stage_completed");
    expect(completed.length).toBeGreaterThanOrEqual(3);
    expect(argv(ws)).toContain(
      '--sandbox workspace-write -c sandbox_workspace_write.network_access=false -c approval_policy="never"',
    );
    expect(eventsOfType(ws, "capability_gate_evaluated")).toEqual([]);
    for (const r of enforcementRecords(ws, String(completed[0]?.data.run_id)))
      expect(r.grants.map((g) => g.enforcement)).toEqual(["enforced", "enforced"]);
    expect(probes(ws)).toBe(1);
  }, 60_000);

  it("refuse (the default): blocked before Codex starts, with the host problem and the fix", async () => {
    const ws = codexWorkspace("fail");
    enqueueTask(ws, "t1");
    await runUntilIdle(ws, {}, 40);
    expect(locate(ws, "t1")).toEqual(["task/blocked"]);
    expect(eventsOfType(ws, "stage_started")).toEqual([]);
    expect(existsSync(ws.record)).toBe(false);
    const [gate] = eventsOfType(ws, "capability_gate_evaluated");
    expect(gate?.data).toMatchObject({ outcome: "blocked", failure_class: "capability_grant_unsupported" });
    const reasons = ((gate?.data.findings ?? []) as { reason: string }[]).map((f) => f.reason);
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) {
      expect(reason).toMatch(
        /^codex_cli's own sandbox cannot run on this host \(`codex sandbox -- \/bin\/true` failed/,
      );
      expect(reason).toContain("landlock_restrict_self: Operation not permitted");
      expect(reason).toContain('set [execution_capabilities] unenforceable = "advisory"');
      expect(reason).toContain("millrace doctor");
    }
    const runId = String(gate?.data.run_id);
    const runDir = path.join(ws.paths.runtimeRoot, "runs", runId);
    // The gate's record is the only thing in the run folder: no prompt, no invocation, no grants record.
    expect(readdirSync(runDir)).toEqual([expect.stringMatching(/^capability_gate\./)]);
    expect(probes(ws)).toBe(1);
  }, 60_000);

  it("advisory: runs without the sandbox; the event, the monitor and the records say so once per stage", async () => {
    const ws = codexWorkspace("fail", "advisory");
    enqueueTask(ws, "t1");
    const formatter = new BasicMonitorFormatter();
    const { events } = await runUntilIdle(ws, {}, 40);
    expect(locate(ws, "t1")).toEqual(["task/done"]);
    const completed = eventsOfType(ws, "stage_completed");
    expect(completed.length).toBeGreaterThanOrEqual(3);
    expect(argv(ws)).toContain('--sandbox danger-full-access -c approval_policy="never"');
    expect(argv(ws)).not.toContain("workspace-write");

    const advisory = eventsOfType(ws, "capability_gate_evaluated");
    expect(advisory.every((e) => e.data.outcome === "advisory")).toBe(true);
    // One per run and stage node: never one per tick.
    const keys = advisory.map((e) => `${e.data.run_id}/${e.data.node_id}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(advisory.length).toBe(completed.length);
    for (const event of advisory)
      for (const f of event.data.findings as { reason: string }[])
        expect(f.reason).toMatch(
          /^host sandbox unavailable \(.*landlock_restrict_self.*\); runs advisory under/,
        );

    const lines = events
      .flatMap((event) => formatter.format(event))
      .filter((l) => l.includes("capability advisory"));
    expect(lines).toHaveLength(advisory.length);
    expect(lines[0]).toContain("host sandbox unavailable (");

    const records = enforcementRecords(ws, String(completed[0]?.data.run_id));
    expect(records.length).toBe(completed.length);
    for (const r of records) {
      expect(r.flags).toEqual(["--sandbox", "danger-full-access", "-c", 'approval_policy="never"']);
      for (const g of r.grants) {
        expect(g.enforcement).toBe("advisory");
        expect(g.reason).toMatch(/^host sandbox unavailable \(/);
      }
    }
    expect(probes(ws)).toBe(1);
  }, 60_000);
});
