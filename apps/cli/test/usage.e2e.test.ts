import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ControlResultOutputSchema, StatusReportSchema, UsageReportOutputSchema } from "@millrace/contracts";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

/** A ledger line as the engine writes it: one counted stage result of `t1`. */
function ledgerLine(n: number, at: string, total: number): string {
  return `${JSON.stringify({
    dedupe_key: `millrace-agents/runs/run-1/stage_results/req-${n}.json`,
    counted_at: at,
    stage_completed_at: at,
    plane: "execution",
    run_id: "run-1",
    stage_id: n === 1 ? "builder" : "checker",
    stage_kind_id: n === 1 ? "builder" : "checker",
    work_item_kind: "task",
    work_item_id: "t1",
    token_usage: { input_tokens: total / 2, output_tokens: total / 2, total_tokens: total },
    stage_result_path: `millrace-agents/runs/run-1/stage_results/req-${n}.json`,
    daemon_session_id: null,
    runner_name: "codex_cli",
    model_name: "gpt-5-codex",
    cost_usd: null,
    cost_source: "unknown",
  })}\n`;
}

describe("millrace usage and queue release", () => {
  let ws: string;
  let state: string;
  beforeAll(() => {
    ws = path.join(tempDir("millrace-usage-e2e-"), "ws");
    expect(runCli(["init", ws]).status).toBe(0);
    const config = path.join(ws, "millrace-agents", "millrace.toml");
    // The default config has the tables, commented out: switch governance on and add a budget.
    const text = readFileSync(config, "utf8").replace("# enabled = false", "enabled = true");
    writeFileSync(config, `${text}\n[usage_governance.budgets.per_work_item]\ntotal_tokens = 500\n`);
    expect(runCli(["add-task", "First", "--id", "t1", "-w", ws]).status).toBe(0);
    state = path.join(ws, "millrace-agents", "state");
    mkdirSync(state, { recursive: true });
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    writeFileSync(
      path.join(state, "usage_governance_ledger.jsonl"),
      ledgerLine(1, now, 800) + ledgerLine(2, now, 400),
    );
    writeFileSync(
      path.join(state, "usage_governance_parked.json"),
      JSON.stringify({
        version: "1.0",
        items: [
          {
            work_item_kind: "task",
            work_item_id: "t1",
            plane: "execution",
            parked_at: now,
            reason: "over budget: work_item budget of t1: total_tokens 1200 >= 500",
            breaches: [
              {
                scope: "work_item",
                key: "t1",
                stage_kind_id: null,
                metric: "total_tokens",
                limit: 500,
                spent: 1200,
                config_key: "usage_governance.budgets.per_work_item.total_tokens",
                release_hint: "",
              },
            ],
            resume: { run_id: "run-1", node_id: "checker", stage: "checker", stage_kind_id: "checker" },
          },
        ],
      }),
    );
  });

  it("usage --json sums the ledger, groups it and reads each rule", () => {
    const run = runCli(["usage", "--json", "--by", "stage", "-w", ws]);
    expect(run.status, run.stderr).toBe(0);
    const report = UsageReportOutputSchema.parse(run.json());
    expect(report.totals).toMatchObject({ entries: 2, total_tokens: 1200, cost_unknown_entries: 2 });
    expect(report.groups.map((group) => [group.key, group.total_tokens])).toEqual([
      ["builder", 800],
      ["checker", 400],
    ]);
    expect(report.rules.map((rule) => [rule.rule_id, rule.observed])).toEqual([
      ["rolling-5h-default", 1200],
      ["calendar-week-default", 1200],
    ]);
    expect(report.parked[0]?.work_item_id).toBe("t1");
    const text = runCli(["usage", "--window", "rolling_5h", "--by", "model", "-w", ws]);
    expect(text.stdout).toContain("model gpt-5-codex: entries=2");
    expect(text.stdout).toContain("parked t1: over budget");
    const bad = runCli(["usage", "--window", "fortnight", "-w", ws]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown --window");
  });

  it("status shows the parked item and how to release it", () => {
    const status = StatusReportSchema.parse(runCli(["status", "--json", "-w", ws]).json());
    expect(status.usage_governance.parked[0]?.release_command).toBe(
      "millrace queue release t1 --add-budget N",
    );
    expect(runCli(["status", "-w", ws]).stdout).toContain("parked: t1 over budget");
  });

  it("queue show says the item is parked, its budget and how to release it", () => {
    const text = runCli(["queue", "show", "t1", "-w", ws]).stdout;
    expect(text).toContain("parked: over budget");
    expect(text).toContain(
      "budget: usage_governance.budgets.per_work_item.total_tokens limit=500 spent=1200",
    );
    expect(text).toContain("release: millrace queue release t1 --add-budget N");
    const json = runCli(["queue", "show", "t1", "--json", "-w", ws]).json<{
      parked: { work_item_id: string };
    }>();
    expect(json.parked.work_item_id).toBe("t1");
  });

  it("queue release refuses too little budget, then releases with enough", () => {
    const none = runCli(["queue", "release", "t1", "-w", ws]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("would still be over budget");
    expect(none.stderr).toContain("--add-budget 701");
    const zero = runCli(["queue", "release", "t1", "--add-budget", "0", "-w", ws]);
    expect(zero.status).toBe(2);
    const released = runCli([
      "queue",
      "release",
      "t1",
      "--add-budget",
      "1000",
      "--actor",
      "ana",
      "--json",
      "-w",
      ws,
    ]);
    expect(released.status, released.stderr).toBe(0);
    expect(ControlResultOutputSchema.parse(released.json())).toMatchObject({ applied: true, mode: "direct" });
    const releases = readFileSync(path.join(state, "usage_governance_budget_releases.jsonl"), "utf8");
    expect(JSON.parse(releases)).toMatchObject({ key: "t1", amount: 1000, issuer: "ana" });
    const again = runCli(["queue", "release", "t1", "--add-budget", "1000", "-w", ws]);
    expect(again.status).toBe(3);
    expect(again.stderr).toContain("already released by ana");
  });
});
