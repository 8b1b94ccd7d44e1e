import { describe, expect, it } from "vitest";
import { betweenStagesHook } from "../src/between-stages.js";
import { UsageGovernance } from "../src/governance.js";
import { UsageLedger } from "../src/ledger/ledger.js";
import type { GovernanceTransition } from "../src/state/transition.js";
import { envelope, governanceConfig, tempDir, tempWorkspace, usage, writeResult } from "./helpers.js";

describe("betweenStagesHook", () => {
  it("counts the persisted result after a stage, evaluates, and reports transitions once", () => {
    const paths = tempWorkspace();
    let now = new Date("2026-04-28T10:00:00Z");
    const config = governanceConfig({
      runtime_token_rules: { rules: [{ rule_id: "run-cap", window: "per_run", threshold: 1000 }] },
      budgets: { per_lineage: { total_tokens: 100 } },
    });
    const governance = UsageGovernance.open(paths, config, {
      daemonSessionId: null,
      now: () => now,
      codexHome: tempDir(),
    });
    const transitions: GovernanceTransition[] = [];
    const hook = betweenStagesHook(governance, {
      lineageOf: () => "spec-9",
      onTransition: (t) => transitions.push(t),
    });
    const idle = { active_run_id: null, pause_sources: [] };
    expect(hook({ boundary: "before_stage", snapshot: idle, stageResultPath: null })?.pause).toBe(false);
    const result = envelope({ runId: "run-a", tokens: usage(1200) });
    const file = writeResult(paths, result, "request-1");
    const verdict = hook({
      boundary: "after_stage",
      snapshot: { active_run_id: "run-a", pause_sources: [] },
      stageResultPath: file,
    });
    expect(verdict).toMatchObject({ pause: true, reason: expect.stringContaining("run-cap") });
    // The writer keeps no entries in memory (issue 19): the counted entry is read back from disk.
    expect(governance.ledger.entries).toEqual([]);
    expect(UsageLedger.open(paths, { repair: false }).entries[0]?.lineage_root_id).toBe("spec-9");
    expect(governance.checkBudget({ workItemId: "task-1", lineageRootId: "spec-9" }).park).toBe(true);
    // the same result again is not counted twice; the next run is free
    hook({
      boundary: "after_stage",
      snapshot: { active_run_id: "run-a", pause_sources: ["usage_governance"] },
      stageResultPath: file,
    });
    expect(governance.ledger.size).toBe(1);
    now = new Date("2026-04-28T10:01:00Z");
    expect(
      hook({
        boundary: "before_stage",
        snapshot: { active_run_id: "run-b", pause_sources: ["usage_governance"] },
        stageResultPath: null,
      })?.pause,
    ).toBe(false);
    expect(transitions.map((t) => t.kind)).toEqual(["paused", "resumed"]);
  });

  it("stays out of the way while governance is off and never evaluated", () => {
    const paths = tempWorkspace();
    const governance = UsageGovernance.open(paths, governanceConfig({ enabled: false }), {
      daemonSessionId: null,
      codexHome: tempDir(),
    });
    const hook = betweenStagesHook(governance);
    expect(
      hook({
        boundary: "before_stage",
        snapshot: { active_run_id: null, pause_sources: [] },
        stageResultPath: null,
      }),
    ).toBeUndefined();
  });

  it("off: an after-stage call leaves the result uncounted and answers nothing; a held pause is still evaluated", () => {
    const paths = tempWorkspace();
    const governance = UsageGovernance.open(paths, governanceConfig({ enabled: false }), {
      daemonSessionId: null,
      codexHome: tempDir(),
    });
    const hook = betweenStagesHook(governance);
    const file = writeResult(paths, envelope({ runId: "run-a", tokens: usage(1200) }), "request-1");
    expect(governance.countsStageResults).toBe(false);
    expect(
      hook({
        boundary: "after_stage",
        snapshot: { active_run_id: "run-a", pause_sources: [] },
        stageResultPath: file,
      }),
    ).toBeUndefined();
    expect(UsageLedger.open(paths, { repair: false }).entries).toEqual([]);
    // A governance pause left in the snapshot: evaluated (and lifted, governance being off).
    const held = hook({
      boundary: "after_stage",
      snapshot: { active_run_id: "run-a", pause_sources: ["usage_governance"] },
      stageResultPath: file,
    });
    expect(held?.pause).toBe(false);
    expect(UsageLedger.open(paths, { repair: false }).entries).toEqual([]);
  });

  it("holds the pause with auto_resume = false", () => {
    const paths = tempWorkspace();
    let now = new Date("2026-04-28T10:00:00Z");
    const config = governanceConfig({
      auto_resume: false,
      runtime_token_rules: { rules: [{ rule_id: "five", window: "rolling_5h", threshold: 100 }] },
    });
    const governance = UsageGovernance.open(paths, config, {
      daemonSessionId: null,
      now: () => now,
      codexHome: tempDir(),
    });
    const hook = betweenStagesHook(governance);
    const result = envelope({ tokens: usage(500), completedAt: "2026-04-28T10:00:00Z" });
    expect(
      hook({
        boundary: "after_stage",
        snapshot: { active_run_id: "run-1", pause_sources: [] },
        stageResultPath: writeResult(paths, result, "q"),
      })?.pause,
    ).toBe(true);
    now = new Date("2026-04-29T10:00:00Z");
    expect(
      hook({
        boundary: "before_stage",
        snapshot: { active_run_id: null, pause_sources: ["usage_governance"] },
        stageResultPath: null,
      }),
    ).toMatchObject({ pause: true, reason: "usage governance pause held: auto_resume is false" });
  });
});
