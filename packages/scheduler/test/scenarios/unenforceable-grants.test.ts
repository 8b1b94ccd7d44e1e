import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CapabilityEnforcementRecord } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { BasicMonitorFormatter } from "../../src/monitor/basic-formatter.js";
import { enqueueTask, runUntilIdle, type TestWorkspace } from "../fixtures.js";
import { eventsOfType, locate, scenarioWorkspace } from "./helpers.js";

/**
 * Issue 12 item 5: a required grant that needs enforcement its runner can only give as advisory
 * (the scripted runner, like Pi, enforces nothing) blocks the stage by default, and runs advisory,
 * never silently, under `[execution_capabilities] unenforceable = "advisory"`.
 */

/** Makes the builder's `run_commands` request demand runner enforcement (a workspace asset edit). */
function requireEnforcedShell(ws: TestWorkspace): void {
  const file = path.join(ws.paths.runtimeRoot, "registry", "stage_kinds", "execution", "builder.json");
  const kind = JSON.parse(readFileSync(file, "utf8"));
  for (const request of kind.capability_requests) {
    if (request.request_id === "run_commands") request.requires_enforcement = true;
  }
  writeFileSync(file, JSON.stringify(kind, null, 2));
}

function enforcementRecords(runDir: string): CapabilityEnforcementRecord[] {
  return readdirSync(runDir)
    .filter((name) => name.startsWith("capability_enforcement."))
    .map((name) => JSON.parse(readFileSync(path.join(runDir, name), "utf8")) as CapabilityEnforcementRecord);
}

describe("unenforceable required grants", () => {
  it("refuse (the default): the stage is blocked with the reason and never starts", async () => {
    const ws = scenarioWorkspace({ rules: [] });
    requireEnforcedShell(ws);
    enqueueTask(ws, "t1");
    await runUntilIdle(ws);
    expect(locate(ws, "t1")).toEqual(["task/blocked"]);
    expect(eventsOfType(ws, "stage_started")).toEqual([]);
    expect(eventsOfType(ws, "capability_gate_evaluated")[0]?.data).toMatchObject({
      outcome: "blocked",
      failure_class: "capability_grant_unsupported",
      findings: [
        expect.objectContaining({
          capability_id: "shell.run",
          reason: expect.stringContaining("the grant needs enforcement, the runner offers advisory only"),
        }),
      ],
    });
  }, 60_000);

  it("advisory: the stage runs; the event, the monitor (once) and the run record say it was advisory and why", async () => {
    const ws = scenarioWorkspace({ rules: [] }, '\n[execution_capabilities]\nunenforceable = "advisory"\n');
    requireEnforcedShell(ws);
    enqueueTask(ws, "t1");
    const formatter = new BasicMonitorFormatter();
    const { events } = await runUntilIdle(ws);
    const lines = events.flatMap((event) => formatter.format(event));
    expect(locate(ws, "t1")).toEqual(["task/done"]);
    const advisory = eventsOfType(ws, "capability_gate_evaluated").filter(
      (e) => e.data.outcome === "advisory",
    );
    expect(advisory).toHaveLength(1);
    expect(advisory[0]?.data).toMatchObject({
      node_id: "builder",
      findings: [
        expect.objectContaining({
          capability_id: "shell.run",
          reason: expect.stringContaining('unenforceable = "advisory"'),
        }),
      ],
    });
    const monitorLines = lines.filter((line) => line.includes("capability advisory"));
    expect(monitorLines).toHaveLength(1);
    expect(monitorLines[0]).toContain("execution.builder");
    const runId = String(eventsOfType(ws, "stage_started")[0]?.data.run_id);
    const [record] = enforcementRecords(path.join(ws.paths.runtimeRoot, "runs", runId));
    const shell = record?.grants.find((g) => g.capability_id === "shell.run");
    expect(shell?.enforcement).toBe("advisory");
    expect(shell?.reason).toContain(
      'runs advisory under [execution_capabilities] unenforceable = "advisory"',
    );
  }, 60_000);
});
