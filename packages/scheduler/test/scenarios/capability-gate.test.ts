import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type CapabilityEnforcementRecord, RUN_ARTIFACT_NAMES } from "@millrace/contracts";
import { ApprovalStore } from "@millrace/governance";
import { describe, expect, it } from "vitest";
import { controlWorkspace } from "../../src/index.js";
import { enqueueTask, testEngine } from "../fixtures.js";
import { eventsOfType, locate, scenarioWorkspace } from "./helpers.js";

const SHELL = (decision: string) => `\n[execution_capabilities.defaults]\nshell_run = "${decision}"\n`;

function enforcementRecords(runDir: string): CapabilityEnforcementRecord[] {
  return readdirSync(runDir)
    .filter((name) => name.startsWith("capability_enforcement."))
    .map((name) => JSON.parse(readFileSync(path.join(runDir, name), "utf8")) as CapabilityEnforcementRecord);
}

describe("the pre-dispatch capability gate", () => {
  it("waits for an approval without spending a run, then dispatches with the grant", async () => {
    const ws = scenarioWorkspace({ rules: [] }, SHELL("approval_required"));
    enqueueTask(ws, "t1");
    const { engine } = testEngine(ws);
    await engine.start();
    try {
      // Waiting for a person is idle work: a daemon told to stop when idle stops.
      expect((await engine.runDaemon({ untilIdle: true, maxTicks: 20 })).stopReason).toBe("idle");
      expect(eventsOfType(ws, "stage_started")).toHaveLength(0);
      expect(locate(ws, "t1")).toEqual(["task/active"]);
      const store = new ApprovalStore(ws.paths);
      const [pending, ...others] = store.list("pending");
      expect(others).toEqual([]);
      expect(pending).toMatchObject({
        capability_id: "shell.run",
        stage_kind_id: "builder",
        work_item_id: "t1",
        grant_id: "grant.builder.run_commands",
      });
      // Logged once, not once per tick.
      expect(eventsOfType(ws, "capability_approval_requested")).toHaveLength(1);
      expect(eventsOfType(ws, "capability_gate_evaluated").map((e) => e.data.outcome)).toEqual([
        "waiting_for_approval",
      ]);

      const queued = controlWorkspace(
        ws.root,
        "approve_execution_capability",
        { approval_id: pending?.approval_id, reason: "tests need a shell" },
        { issuer: "ana" },
      );
      expect(queued.mode).toBe("mailbox");
      await engine.runDaemon({ maxTicks: 6 });

      const started = eventsOfType(ws, "stage_started").map((e) => e.data.stage);
      expect(started).toEqual(["builder"]);
      const runId = String(eventsOfType(ws, "stage_started")[0]?.data.run_id);
      const [record] = enforcementRecords(path.join(ws.paths.runtimeRoot, "runs", runId));
      expect(record?.grants.find((g) => g.capability_id === "shell.run")).toMatchObject({
        decision_state: "granted",
        enforcement: "advisory",
      });
      // The next stage asks again: grants are per stage.
      expect(store.list("pending").map((a) => a.stage_kind_id)).toEqual(["checker"]);
      expect(eventsOfType(ws, "capability_gate_evaluated").map((e) => e.data.outcome)).toEqual([
        "waiting_for_approval",
        "allowed",
        "waiting_for_approval",
      ]);
    } finally {
      await engine.close();
    }
  });

  it("a denied approval blocks the item with the reason; the runner never starts", async () => {
    const ws = scenarioWorkspace({ rules: [] }, SHELL("approval_required"));
    enqueueTask(ws, "t1");
    const first = testEngine(ws).engine;
    try {
      await first.tick();
    } finally {
      await first.close();
    }
    const [pending] = new ApprovalStore(ws.paths).list("pending");
    const denied = controlWorkspace(
      ws.root,
      "deny_execution_capability",
      { approval_id: pending?.approval_id, reason: "no shell today" },
      { issuer: "bo" },
    );
    expect(denied).toMatchObject({ mode: "direct", applied: true });
    const second = testEngine(ws).engine;
    try {
      await second.tick();
    } finally {
      await second.close();
    }
    expect(locate(ws, "t1")).toEqual(["task/blocked"]);
    expect(eventsOfType(ws, "stage_started")).toHaveLength(0);
    const blocked = eventsOfType(ws, "capability_gate_evaluated").at(-1);
    expect(blocked?.data).toMatchObject({
      outcome: "blocked",
      failure_class: "capability_grant_denied",
      work_item_id: "t1",
    });
    const runId = String(blocked?.data.run_id);
    const gateFile = path.join(
      ws.paths.runtimeRoot,
      "runs",
      runId,
      RUN_ARTIFACT_NAMES.capabilityGate("builder"),
    );
    expect(JSON.parse(readFileSync(gateFile, "utf8"))).toMatchObject({
      failure_class: "capability_grant_denied",
      findings: [expect.objectContaining({ capability_id: "shell.run", reason: "the approval was denied" })],
    });
  });

  it("a capability policy denies blocks at once, with no approval", async () => {
    const ws = scenarioWorkspace({ rules: [] }, SHELL("deny"));
    enqueueTask(ws, "t1");
    const { engine } = testEngine(ws);
    try {
      await engine.tick();
    } finally {
      await engine.close();
    }
    expect(locate(ws, "t1")).toEqual(["task/blocked"]);
    expect(new ApprovalStore(ws.paths).list()).toEqual([]);
    expect(eventsOfType(ws, "capability_gate_evaluated")[0]?.data).toMatchObject({
      outcome: "blocked",
      failure_class: "capability_grant_denied",
      findings: [expect.objectContaining({ reason: "deny by execution_capabilities.defaults.shell_run" })],
    });
  });

  it("default policy: every stage runs, each with its grants on record", async () => {
    const ws = scenarioWorkspace({ rules: [] });
    enqueueTask(ws, "t1");
    const { engine } = testEngine(ws);
    try {
      await engine.runDaemon({ untilIdle: true, maxTicks: 50 });
    } finally {
      await engine.close();
    }
    expect(locate(ws, "t1")).toEqual(["task/done"]);
    expect(eventsOfType(ws, "capability_gate_evaluated")).toEqual([]);
    const runId = String(eventsOfType(ws, "stage_started")[0]?.data.run_id);
    const records = enforcementRecords(path.join(ws.paths.runtimeRoot, "runs", runId));
    expect(records.length).toBeGreaterThan(0);
    expect(records[0]?.grants.map((g) => [g.capability_id, g.enforcement])).toEqual([
      ["workspace.write", "advisory"],
      ["shell.run", "advisory"],
    ]);
    expect(existsSync(path.join(ws.paths.runtimeRoot, "approvals", "pending"))).toBe(false);
  });
});
