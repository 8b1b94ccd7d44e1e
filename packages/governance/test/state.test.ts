import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceError, UsageGovernanceStateSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { UsageGovernance } from "../src/governance.js";
import { initialGovernanceState, readGovernanceState } from "../src/state/state-file.js";
import { nextGovernanceState } from "../src/state/transition.js";
import { UsageEvaluator } from "../src/usage/evaluator.js";
import { entry, envelope, governanceConfig, tempDir, tempWorkspace, usage, writeResult } from "./helpers.js";

const rules = [
  { rule_id: "five", window: "rolling_5h" as const, metric: "total_tokens" as const, threshold: 1000 },
];

describe("governance state and transitions", () => {
  it("reads a missing state file as disabled at the Unix epoch", () => {
    const state = readGovernanceState(tempWorkspace());
    expect(state).toMatchObject({
      enabled: false,
      paused_by_governance: false,
      last_evaluated_at: "1970-01-01T00:00:00Z",
      active_blockers: [],
    });
  });

  it("refuses an unreadable state file with engine_state_invalid", () => {
    const paths = tempWorkspace();
    writeFileSync(paths.usageGovernanceState, "{");
    expect(() => readGovernanceState(paths)).toThrow(MillraceError);
  });

  it("emits paused and resumed once per transition, not once per evaluation", () => {
    const config = governanceConfig({ runtime_token_rules: { rules } });
    const ev = new UsageEvaluator(config);
    let state = initialGovernanceState();
    const step = (now: string) => {
      const result = nextGovernanceState({
        previous: state,
        verdict: ev.evaluate({ now: new Date(now), daemonSessionId: "s" }),
        config,
        daemonSessionId: "s",
      });
      state = result.state;
      return result.transitions;
    };
    expect(step("2026-04-28T10:00:00Z")).toEqual([]);
    ev.add(entry({ at: "2026-04-28T10:00:00Z", total: 1500 }));
    const paused = step("2026-04-28T10:01:00Z");
    expect(paused).toEqual([
      {
        kind: "paused",
        blockers: [expect.objectContaining({ rule_id: "five" })],
        next_auto_resume_at: "2026-04-28T15:00:00.001Z",
      },
    ]);
    expect(state).toMatchObject({
      paused_by_governance: true,
      auto_resume_possible: true,
      next_auto_resume_at: "2026-04-28T15:00:00.001Z",
      daemon_session_id: "s",
    });
    expect(step("2026-04-28T10:02:00Z")).toEqual([]);
    expect(step("2026-04-28T15:00:01Z")).toEqual([{ kind: "resumed", cleared_rules: ["five"] }]);
    expect(step("2026-04-28T15:00:02Z")).toEqual([]);
    expect(UsageGovernanceStateSchema.parse(state)).toEqual(state);
  });

  it("keeps the pause with auto_resume = false until governance is disabled", () => {
    const config = governanceConfig({ auto_resume: false, runtime_token_rules: { rules } });
    const ev = new UsageEvaluator(config, [entry({ at: "2026-04-28T10:00:00Z", total: 1500 })]);
    const first = nextGovernanceState({
      previous: initialGovernanceState(),
      verdict: ev.evaluate({ now: new Date("2026-04-28T10:00:00Z"), daemonSessionId: null }),
      config,
      daemonSessionId: null,
    });
    expect(first.paused).toBe(true);
    expect(first.state.next_auto_resume_at).toBeNull();
    const later = nextGovernanceState({
      previous: first.state,
      verdict: ev.evaluate({ now: new Date("2026-04-29T10:00:00Z"), daemonSessionId: null }),
      config,
      daemonSessionId: null,
    });
    expect(later).toMatchObject({ paused: true, transitions: [] });
    expect(later.state.active_blockers).toEqual([]);
    const off = governanceConfig({ enabled: false });
    const disabled = nextGovernanceState({
      previous: later.state,
      verdict: new UsageEvaluator(off).evaluate({
        now: new Date("2026-04-29T10:00:00Z"),
        daemonSessionId: null,
      }),
      config: off,
      daemonSessionId: null,
    });
    expect(disabled.paused).toBe(false);
    expect(disabled.transitions).toEqual([{ kind: "resumed", cleared_rules: [] }]);
  });

  it("emits degraded once when telemetry becomes unreadable", () => {
    const config = governanceConfig({
      runtime_token_rules: { enabled: false },
      subscription_quota_rules: { enabled: true },
    });
    const ev = new UsageEvaluator(config);
    const degraded = {
      enabled: true,
      provider: "codex_chatgpt_oauth",
      state: "degraded" as const,
      degraded_policy: "fail_open" as const,
      detail: "quota_telemetry_unavailable",
      last_refreshed_at: null,
      windows: {},
    };
    let state = initialGovernanceState();
    const kinds: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const result = nextGovernanceState({
        previous: state,
        verdict: ev.evaluate({ now: new Date(), daemonSessionId: null, subscription: degraded }),
        config,
        daemonSessionId: null,
      });
      kinds.push(...result.transitions.map((t) => t.kind));
      state = result.state;
    }
    expect(kinds).toEqual(["degraded"]);
  });
});

describe("UsageGovernance (the engine's port) on a real workspace", () => {
  it("records, reconciles, evaluates and persists the state file atomically", () => {
    const paths = tempWorkspace();
    let now = new Date("2026-04-28T10:00:00Z");
    const config = governanceConfig({ runtime_token_rules: { rules } });
    const early = envelope({ runId: "run-0", tokens: usage(600), completedAt: "2026-04-28T09:00:00Z" });
    writeResult(paths, early, "request-0");
    const governance = UsageGovernance.open(paths, config, {
      daemonSessionId: "s",
      now: () => now,
      codexHome: tempDir(),
    });
    expect(governance.reconcile().appended).toHaveLength(1);
    const first = governance.evaluate({ runId: "run-1" });
    expect(first.verdict.pause).toBe(false);
    expect(existsSync(paths.usageGovernanceState)).toBe(true);
    const result = envelope({ runId: "run-1", tokens: usage(500), completedAt: "2026-04-28T10:00:00Z" });
    const recorded = governance.recordStageResult(result, writeResult(paths, result, "request-1"), {
      lineageRootId: "spec-1",
    });
    expect(recorded?.lineage_root_id).toBe("spec-1");
    now = new Date("2026-04-28T10:00:05Z");
    const second = governance.evaluate({ runId: "run-1" });
    expect(second.verdict).toMatchObject({ pause: true });
    expect(second.transitions.map((t) => t.kind)).toEqual(["paused"]);
    const onDisk = JSON.parse(readFileSync(paths.usageGovernanceState, "utf8"));
    expect(onDisk).toMatchObject({
      version: "1.0",
      paused_by_governance: true,
      last_evaluated_at: "2026-04-28T10:00:05Z",
      daemon_session_id: "s",
    });
    expect(
      readdirSync(path.dirname(paths.usageGovernanceState)).filter((name) => name.includes(".tmp-")),
    ).toEqual([]);
    // A restarted owner sees the pause it persisted and emits no second "paused".
    const again = UsageGovernance.open(paths, config, {
      daemonSessionId: "s",
      now: () => now,
      codexHome: tempDir(),
    });
    expect(again.evaluate({ runId: "run-1" }).transitions).toEqual([]);
    expect(again.ledger.size).toBe(2);
    // The writer keeps aggregates, not entries; a new config rebuilds them from the file.
    expect(again.ledger.entries).toEqual([]);
    again.reconfigure(config);
    expect(again.usageEvaluator.aggregates.size).toBe(2);
  });

  it("counts nothing while governance is off, and back-fills once it is turned on", () => {
    const paths = tempWorkspace();
    const now = new Date("2026-04-28T10:00:00Z");
    const off = UsageGovernance.open(paths, governanceConfig({ enabled: false }), {
      daemonSessionId: null,
      now: () => now,
      codexHome: tempDir(),
    });
    expect(off.shouldEvaluate()).toBe(false);
    expect(off.shouldEvaluate(true)).toBe(true);
    const result = envelope({ tokens: usage(5000) });
    expect(off.recordStageResult(result, writeResult(paths, result, "request-1"))).toBeUndefined();
    expect(off.reconcile().appended).toEqual([]);
    off.reconfigure(governanceConfig({ runtime_token_rules: { rules } }));
    expect(off.reconcile().appended).toHaveLength(1);
    expect(off.evaluate().verdict.pause).toBe(true);
  });
});
