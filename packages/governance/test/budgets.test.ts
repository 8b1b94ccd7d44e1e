import { readFileSync, writeFileSync } from "node:fs";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { checkBudget } from "../src/budgets/check-budget.js";
import { BudgetReleaseLog, budgetReleasesFile } from "../src/budgets/releases.js";
import { adviseStageStart } from "../src/budgets/window-scheduling.js";
import { UsageEvaluator } from "../src/usage/evaluator.js";
import { entry, governanceConfig, tempWorkspace } from "./helpers.js";

const budgets = {
  per_work_item: { total_tokens: 1000 },
  per_lineage: { cost_usd: 2 },
  per_stage_kind: { checker: { output_tokens: 100 } },
};

describe("budgets that park work", () => {
  const entries = [
    entry({
      work_item_id: "task-1",
      lineage_root_id: "spec-1",
      stage_kind_id: "builder",
      total: 900,
      cost_usd: 1,
      cost_source: "runner",
    }),
    entry({
      work_item_id: "task-2",
      lineage_root_id: "spec-1",
      stage_kind_id: "checker",
      total: 600,
      cost_usd: 1.2,
      cost_source: "runner",
    }),
  ];

  it("says when a work item is under every budget", () => {
    const ev = new UsageEvaluator(
      governanceConfig({ budgets: { per_work_item: { total_tokens: 1000 } } }),
      entries,
    );
    expect(
      checkBudget(
        { workItemId: "task-1", lineageRootId: "spec-1", stageKindId: "builder" },
        ev.config,
        ev.aggregates,
      ),
    ).toEqual({ park: false, breaches: [] });
  });

  it("parks on the work item, lineage and stage-kind budgets, naming limit, spend and release", () => {
    const ev = new UsageEvaluator(governanceConfig({ budgets }), [
      ...entries,
      entry({ work_item_id: "task-1", stage_kind_id: "builder", total: 200 }),
    ]);
    const decision = checkBudget(
      { workItemId: "task-1", lineageRootId: "spec-1", stageKindId: "builder" },
      ev.config,
      ev.aggregates,
    );
    expect(decision.park).toBe(true);
    expect(decision.breaches).toEqual([
      expect.objectContaining({
        scope: "work_item",
        key: "task-1",
        metric: "total_tokens",
        limit: 1000,
        spent: 1100,
        config_key: "usage_governance.budgets.per_work_item.total_tokens",
      }),
      expect.objectContaining({ scope: "lineage", key: "spec-1", metric: "cost_usd", limit: 2, spent: 2.2 }),
    ]);
    expect(decision.breaches[0]?.release_hint).toContain("add_budget");
    expect(decision.reason).toContain("work_item budget of task-1");
    const checker = checkBudget({ workItemId: "task-2", stageKindId: "checker" }, ev.config, ev.aggregates);
    expect(checker.breaches).toEqual([
      expect.objectContaining({
        scope: "stage_kind",
        key: "task-2",
        stage_kind_id: "checker",
        metric: "output_tokens",
        spent: 120,
        limit: 100,
      }),
    ]);
  });

  it("releases a parked item with add_budget, recorded durably with its issuer", () => {
    const paths = tempWorkspace();
    const ev = new UsageEvaluator(governanceConfig({ budgets }), entries);
    const log = BudgetReleaseLog.open(paths);
    const subject = { workItemId: "task-2", stageKindId: "checker" };
    expect(checkBudget(subject, ev.config, ev.aggregates, log).park).toBe(true);
    const release = log.add(
      {
        scope: "stage_kind",
        key: "task-2",
        stageKindId: "checker",
        metric: "output_tokens",
        amount: 50,
        issuer: "operator:alice",
        reason: "one more pass",
      },
      new Date("2026-04-28T10:00:00Z"),
    );
    expect(release).toMatchObject({
      kind: "add_budget",
      issuer: "operator:alice",
      released_at: "2026-04-28T10:00:00Z",
    });
    expect(checkBudget(subject, ev.config, ev.aggregates, log).park).toBe(false);
    const reopened = BudgetReleaseLog.open(paths);
    expect(reopened.released("stage_kind", "task-2", "checker", "output_tokens")).toBe(50);
    expect(checkBudget(subject, ev.config, ev.aggregates, reopened).park).toBe(false);
    expect(readFileSync(budgetReleasesFile(paths), "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("refuses an invalid release and ignores a torn journal line", () => {
    const paths = tempWorkspace();
    const log = BudgetReleaseLog.open(paths);
    expect(() =>
      log.add({ scope: "work_item", key: "task-1", metric: "cost_usd", amount: 0, issuer: "op" }),
    ).toThrow(MillraceError);
    expect(() =>
      log.add({ scope: "stage_kind", key: "task-1", metric: "cost_usd", amount: 1, issuer: "op" }),
    ).toThrow(/names its stage kind/);
    log.add({ scope: "work_item", key: "task-1", metric: "cost_usd", amount: 1, issuer: "op" });
    const file = budgetReleasesFile(paths);
    const text = readFileSync(file, "utf8");
    writeFileSync(file, `${text}{"kind":"add_bud`);
    const reopened = BudgetReleaseLog.open(paths);
    expect(reopened.released("work_item", "task-1", null, "cost_usd")).toBe(1);
    reopened.add({ scope: "work_item", key: "task-1", metric: "cost_usd", amount: 2, issuer: "op" });
    expect(BudgetReleaseLog.open(paths).released("work_item", "task-1", null, "cost_usd")).toBe(3);
  });
});

describe("quota-window scheduling", () => {
  const HOUR = 3_600_000;
  const now = new Date("2026-04-29T12:00:00Z");
  const at = (h: number) => new Date(now.getTime() + h * HOUR).toISOString();
  const rules = [
    { rule_id: "five", window: "rolling_5h" as const, metric: "total_tokens" as const, threshold: 1000 },
  ];

  it("holds a stage whose median cost would cross a limit that rolls within the horizon", () => {
    const history = [
      entry({ stage_kind_id: "builder", total: 300, at: at(-4.8) }),
      entry({ stage_kind_id: "builder", total: 400, at: at(-3) }),
      entry({ stage_kind_id: "builder", total: 200, at: at(-1) }),
    ];
    const ev = new UsageEvaluator(
      governanceConfig({
        runtime_token_rules: { rules },
        quota_window_scheduling: { enabled: true, horizon_minutes: 30 },
      }),
      history,
    );
    const advice = adviseStageStart(ev, "builder", now);
    // used 900, builder's median is 300: room for it once the -4.8 h entry (300) leaves, 12 minutes from now
    expect(advice).toMatchObject({ defer: true, rule_id: "five", expected_usage: 300 });
    expect(advice.until?.getTime()).toBe(Date.parse(at(0.2)) + 1);
    expect(adviseStageStart(ev, "planner", now).defer).toBe(false);
  });

  it("does not hold when the window rolls too late, nothing would cross, or the option is off", () => {
    const history = [
      entry({ stage_kind_id: "builder", total: 300, at: at(-3) }),
      entry({ stage_kind_id: "builder", total: 600, at: at(-2) }),
    ];
    const config = {
      runtime_token_rules: { rules },
      quota_window_scheduling: { enabled: true, horizon_minutes: 30 },
    };
    expect(
      adviseStageStart(new UsageEvaluator(governanceConfig(config), history), "builder", now).defer,
    ).toBe(false);
    expect(
      adviseStageStart(new UsageEvaluator(governanceConfig(config), history.slice(0, 1)), "builder", now)
        .defer,
    ).toBe(false);
    expect(
      adviseStageStart(
        new UsageEvaluator(governanceConfig({ runtime_token_rules: { rules } }), history),
        "builder",
        now,
      ),
    ).toMatchObject({ defer: false, reason: "quota-window scheduling is off" });
  });

  it("computes the median of a stage kind from the ledger", () => {
    const ev = new UsageEvaluator(governanceConfig(), [
      entry({ stage_kind_id: "checker", total: 10 }),
      entry({ stage_kind_id: "checker", total: 30 }),
      entry({ stage_kind_id: "checker", total: 20 }),
      entry({ stage_kind_id: "checker", total: 100 }),
    ]);
    expect(ev.aggregates.medianStageUsage("total_tokens", "checker")).toBe(25);
    expect(ev.aggregates.medianStageUsage("total_tokens", "nobody")).toBeUndefined();
  });
});
