import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runFullDoctor } from "../../src/doctor/index.js";
import { enqueueTask, testEngine } from "../fixtures.js";
import { usageReportingScripted } from "../scenarios/governance-helpers.js";
import { scenarioWorkspace } from "../scenarios/helpers.js";

function codes(report: Awaited<ReturnType<typeof runFullDoctor>>) {
  return report.checks.filter((check) => check.code.startsWith("governance_")).map((check) => check.code);
}

describe("doctor: usage governance", () => {
  it("says nothing about governance while it is off and has no budgets", async () => {
    const ws = scenarioWorkspace({ rules: [] });
    expect(codes(await runFullDoctor(ws.root))).toEqual([]);
  });

  it("warns about budgets that cannot count, and about a governance table with nothing in it", async () => {
    const off = scenarioWorkspace(
      { rules: [] },
      "\n[usage_governance.budgets.per_work_item]\ntotal_tokens = 5\n",
    );
    expect(codes(await runFullDoctor(off.root))).toEqual(["governance_budgets_inactive"]);
    const empty = scenarioWorkspace(
      { rules: [] },
      "\n[usage_governance]\nenabled = true\n[usage_governance.runtime_token_rules]\nenabled = false\n",
    );
    expect(codes(await runFullDoctor(empty.root))).toContain("governance_no_rules");
  });

  it("reports missing quota telemetry, results the ledger lacks, and a broken parked-items file", async () => {
    const ws = scenarioWorkspace({ rules: [] });
    enqueueTask(ws, "t1");
    const { engine } = testEngine(ws, { runners: [usageReportingScripted()] });
    await engine.tick();
    await engine.close();
    writeFileSync(
      ws.paths.configFile,
      `[runtime]\ndefault_mode = "demo"\n\n[runners.scripted]\nscript = "scripted/test-script.json"\n\n[usage_governance]\nenabled = true\n[usage_governance.subscription_quota_rules]\nenabled = true\n`,
    );
    const home = mkdtempSync(path.join(os.tmpdir(), "millrace-codex-home-"));
    mkdirSync(path.join(home, "sessions"));
    writeFileSync(path.join(ws.paths.state, "usage_governance_parked.json"), "{ not json");
    const report = await runFullDoctor(ws.root, { env: { ...process.env, CODEX_HOME: home } });
    expect(codes(report)).toEqual([
      "governance_config",
      "governance_telemetry_unavailable",
      "governance_ledger_behind",
      "governance_parked_invalid",
    ]);
    const behind = report.checks.find((check) => check.code === "governance_ledger_behind");
    expect(behind?.message).toContain("1 token-bearing stage result(s)");
  });
});
