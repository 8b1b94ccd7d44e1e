import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CapabilityEnforcementRecord } from "@millrace/contracts";
import { fakeCodexRunnerToml } from "@millrace/runners/testing";
import { initWorkspace, workspacePaths } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { enqueueTask, testEngine } from "../fixtures.js";
import { eventsOfType, locate } from "./helpers.js";

/*
 * Contract with the fake Codex, which speaks `codex exec --json` as the real one does: each turn
 * ends with `turn.completed` carrying its usage. Governed, the engine's ledger counts that usage
 * once per stage, and the agent process receives the sandbox flags derived from the stage's grants.
 */
describe("a governed run on the Codex runner", () => {
  it("counts turn.completed usage in the ledger and passes the grant-derived sandbox flags", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "millrace-codex-governed-"));
    initWorkspace(root);
    const paths = workspacePaths(root);
    const record = path.join(root, "fake-codex-record.json");
    writeFileSync(
      paths.configFile,
      [
        "[runtime]",
        'default_mode = "default_codex"',
        "idle_sleep_seconds = 0.05",
        "",
        "[usage_governance]",
        "enabled = true",
        "",
        ...fakeCodexRunnerToml({ FAKE_RECORD: record }),
      ].join("\n"),
    );
    const ws = { root, paths };
    enqueueTask(ws, "t1");
    const { engine } = testEngine(ws);
    try {
      await engine.runDaemon({ untilIdle: true, maxTicks: 40 });
    } finally {
      await engine.close();
    }
    expect(locate(ws, "t1")).toEqual(["task/done"]);

    const completed = eventsOfType(ws, "stage_completed");
    expect(completed.length).toBeGreaterThanOrEqual(3);
    const ledger = readFileSync(paths.usageGovernanceLedger, "utf8")
      .trim()
      .split("\n")
      .map(
        (line) =>
          JSON.parse(line) as {
            run_id: string;
            stage_id: string;
            token_usage: { total_tokens: number; input_tokens: number };
          },
      );
    // One entry per stage, each with the fake's turn.completed usage (1200 in, 34 out).
    expect(ledger).toHaveLength(completed.length);
    for (const entry of ledger)
      expect(entry.token_usage).toMatchObject({ input_tokens: 1200, total_tokens: 1234 });

    // The last agent process got the grant-derived flags, never the bypass.
    const argv = (JSON.parse(readFileSync(record, "utf8")) as { argv: string[] }).argv.join(" ");
    expect(argv).toContain(
      '--sandbox workspace-write -c sandbox_workspace_write.network_access=false -c approval_policy="never"',
    );
    expect(argv).not.toContain("--dangerously-bypass-approvals-and-sandbox");
    const runDir = path.join(paths.runtimeRoot, "runs", String(completed[0]?.data.run_id));
    const records = readdirSync(runDir)
      .filter((name) => name.startsWith("capability_enforcement."))
      .map(
        (name) => JSON.parse(readFileSync(path.join(runDir, name), "utf8")) as CapabilityEnforcementRecord,
      );
    expect(records.length).toBe(completed.length);
    for (const r of records) {
      expect(r.runner_name).toBe("codex_cli");
      expect(r.grants.map((g) => `${g.capability_id}:${g.enforcement}`)).toEqual([
        "workspace.write:enforced",
        "shell.run:enforced",
      ]);
    }
  });
});
