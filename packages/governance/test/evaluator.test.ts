import { performance } from "node:perf_hooks";
import type { SubscriptionQuotaStatus, UsageLedgerEntry } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { UsageEvaluator } from "../src/usage/evaluator.js";
import { entry, governanceConfig } from "./helpers.js";

const HOUR = 3_600_000;
const base = Date.parse("2026-04-29T12:00:00Z"); // a Wednesday
const at = (offsetHours: number) => new Date(base + offsetHours * HOUR).toISOString();

function rule(
  window: "rolling_5h" | "calendar_week" | "daemon_session" | "per_run",
  threshold: number,
  metric: "total_tokens" | "input_tokens" | "output_tokens" | "cost_usd" = "total_tokens",
) {
  return { rule_id: `${window}-${metric}`, window, metric, threshold };
}

function evaluator(rules: ReturnType<typeof rule>[], entries: UsageLedgerEntry[] = [], extra = {}) {
  return new UsageEvaluator(governanceConfig({ runtime_token_rules: { rules }, ...extra }), entries);
}

describe("runtime token rules", () => {
  it("rolling_5h counts the last five hours and resumes when enough usage has rolled off", () => {
    const entries = [
      entry({ at: at(-6), total: 500 }),
      entry({ at: at(-4), total: 300 }),
      entry({ at: at(-3), total: 400 }),
      entry({ at: at(-1), total: 200 }),
    ];
    const ev = evaluator([rule("rolling_5h", 800)], entries);
    const verdict = ev.evaluate({ now: new Date(base), daemonSessionId: null });
    const r = verdict.rules[0];
    expect(r).toMatchObject({ observed: 900, threshold: 800, tripped: true, auto_resume_possible: true });
    // dropping the -4h entry (300) brings 900 to 600 < 800: it leaves the window just after -4h + 5h
    expect(r?.resume_at?.getTime()).toBe(Date.parse(at(1)) + 1);
    expect(verdict.pause).toBe(true);
    expect(verdict.resumeAt?.getTime()).toBe(Date.parse(at(1)) + 1);
    expect(verdict.reason).toContain("rolling_5h-total_tokens");
    expect(verdict.blockers[0]).toMatchObject({
      source: "runtime_token",
      window: "rolling_5h",
      next_auto_resume_at: "2026-04-29T13:00:00.001Z",
    });
    expect(ev.evaluate({ now: new Date(base + 1 * HOUR), daemonSessionId: null }).pause).toBe(true);
    const later = ev.evaluate({ now: new Date(base + 1 * HOUR + 1), daemonSessionId: null });
    expect(later.pause).toBe(false);
    expect(later.rules[0]?.observed).toBe(600);
  });

  it("an entry exactly five hours old still counts", () => {
    const ev = evaluator([rule("rolling_5h", 100)], [entry({ at: at(-5), total: 100 })]);
    expect(ev.evaluate({ now: new Date(base), daemonSessionId: null }).pause).toBe(true);
    expect(ev.evaluate({ now: new Date(base + 1), daemonSessionId: null }).pause).toBe(false);
  });

  it("calendar_week counts since local Monday 00:00 and resumes at the next one", () => {
    const entries = [
      entry({ at: "2026-04-26T23:30:00Z", total: 1000 }),
      entry({ at: "2026-04-27T00:30:00Z", total: 700 }),
    ];
    const utc = evaluator([rule("calendar_week", 600)], entries).evaluate({
      now: new Date(base),
      daemonSessionId: null,
    });
    expect(utc.rules[0]).toMatchObject({ observed: 700, tripped: true });
    expect(utc.resumeAt?.toISOString()).toBe("2026-05-04T00:00:00.000Z");
    // In Paris the 23:30Z entry is already Monday 01:30 local.
    const paris = evaluator([rule("calendar_week", 600)], entries, {
      calendar_timezone: "Europe/Paris",
    }).evaluate({ now: new Date(base), daemonSessionId: null });
    expect(paris.rules[0]?.observed).toBe(1700);
    expect(paris.resumeAt?.toISOString()).toBe("2026-05-03T22:00:00.000Z");
  });

  it("daemon_session counts the current session only; null matches null", () => {
    const entries = [
      entry({ daemon_session_id: "s1", total: 500 }),
      entry({ daemon_session_id: "s2", total: 300 }),
      entry({ daemon_session_id: null, total: 50 }),
    ];
    const ev = evaluator([rule("daemon_session", 400)], entries);
    expect(ev.evaluate({ now: new Date(base), daemonSessionId: "s1" }).rules[0]).toMatchObject({
      observed: 500,
      tripped: true,
      auto_resume_possible: false,
      resume_at: null,
    });
    expect(ev.evaluate({ now: new Date(base), daemonSessionId: "s2" }).pause).toBe(false);
    expect(ev.evaluate({ now: new Date(base), daemonSessionId: null }).rules[0]?.observed).toBe(50);
    const verdict = ev.evaluate({ now: new Date(base), daemonSessionId: "s1" });
    expect(verdict.resumeAt).toBeUndefined();
  });

  it("per_run counts exactly one run", () => {
    const entries = [
      entry({ run_id: "run-a", total: 500 }),
      entry({ run_id: "run-b", total: 500 }),
      entry({ run_id: "run-a", total: 100 }),
    ];
    const ev = evaluator([rule("per_run", 550)], entries);
    expect(
      ev.evaluate({ now: new Date(base), daemonSessionId: null, runId: "run-a" }).rules[0],
    ).toMatchObject({ observed: 600, tripped: true });
    expect(
      ev.evaluate({ now: new Date(base), daemonSessionId: null, runId: "run-b" }).rules[0],
    ).toMatchObject({ observed: 500, tripped: false });
    expect(ev.evaluate({ now: new Date(base), daemonSessionId: null }).rules[0]).toMatchObject({
      observed: 0,
      detail: expect.stringContaining("no active run"),
    });
  });

  it("counts the configured metric, cost included, and says how many entries lack a cost", () => {
    const entries = [entry({ total: 1000, cost_usd: 1.5, cost_source: "runner" }), entry({ total: 1000 })];
    const ev = evaluator(
      [
        rule("rolling_5h", 700, "input_tokens"),
        rule("rolling_5h", 500, "output_tokens"),
        rule("rolling_5h", 1, "cost_usd"),
      ],
      entries,
    );
    const rules = ev.evaluate({ now: new Date("2026-04-28T11:00:00Z"), daemonSessionId: null }).rules;
    expect(rules.map((r) => [r.metric, r.observed, r.tripped])).toEqual([
      ["input_tokens", 1600, true],
      ["output_tokens", 400, false],
      ["cost_usd", 1.5, true],
    ]);
    expect(rules[2]?.detail).toContain("1 ledger entries have no known cost");
  });

  it("uses the spec's default rules when only enabled is set, and nothing when disabled", () => {
    const big = [entry({ at: at(-1), total: 760_000 })];
    const ev = new UsageEvaluator(governanceConfig(), big);
    const verdict = ev.evaluate({ now: new Date(base), daemonSessionId: null });
    expect(verdict.rules.map((r) => [r.rule_id, r.threshold])).toEqual([
      ["rolling-5h-default", 750000],
      ["calendar-week-default", 5000000],
    ]);
    expect(verdict.pause).toBe(true);
    const off = new UsageEvaluator(governanceConfig({ enabled: false }), big).evaluate({
      now: new Date(base),
      daemonSessionId: null,
    });
    expect(off).toMatchObject({ enabled: false, pause: false, rules: [] });
    const noTokens = new UsageEvaluator(
      governanceConfig({ runtime_token_rules: { enabled: false } }),
      big,
    ).evaluate({ now: new Date(base), daemonSessionId: null });
    expect(noTokens.rules).toEqual([]);
  });

  it("gives no resume time when any blocker needs a person", () => {
    const entries = [entry({ at: at(-1), total: 1000, daemon_session_id: "s" })];
    const verdict = evaluator([rule("rolling_5h", 10), rule("daemon_session", 10)], entries).evaluate({
      now: new Date(base),
      daemonSessionId: "s",
    });
    expect(verdict.blockers).toHaveLength(2);
    expect(verdict.resumeAt).toBeUndefined();
  });

  it("matches a brute-force rescan on random ledgers, entries arriving out of order", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const entries = Array.from({ length: 400 }, () =>
      entry({
        at: new Date(base - random() * 200 * HOUR).toISOString(),
        total: Math.floor(random() * 1000),
        daemon_session_id: random() < 0.5 ? "s" : null,
        run_id: random() < 0.3 ? "run-a" : "run-b",
      }),
    );
    const threshold = 3000;
    const ev = evaluator([
      rule("rolling_5h", threshold),
      rule("calendar_week", threshold),
      rule("daemon_session", threshold),
      rule("per_run", threshold),
    ]);
    for (const e of entries) ev.add(e);
    for (let i = 0; i < 30; i += 1) {
      const now = base - random() * 150 * HOUR;
      const rules = ev.evaluate({ now: new Date(now), daemonSessionId: "s", runId: "run-a" }).rules;
      const since = now - 5 * HOUR;
      const window = entries
        .filter((e) => Date.parse(e.stage_completed_at) >= since)
        .sort((a, b) => Date.parse(a.stage_completed_at) - Date.parse(b.stage_completed_at));
      const rolling = window.reduce((sum, e) => sum + e.token_usage.total_tokens, 0);
      expect(rules[0]?.observed).toBe(rolling);
      if (rolling >= threshold) {
        let left = rolling;
        let expected: number | undefined;
        for (const e of window) {
          left -= e.token_usage.total_tokens;
          if (left < threshold) {
            expected = Date.parse(e.stage_completed_at) + 5 * HOUR + 1;
            break;
          }
        }
        expect(rules[0]?.resume_at?.getTime()).toBe(expected);
      }
      const session = entries
        .filter((e) => e.daemon_session_id === "s")
        .reduce((sum, e) => sum + e.token_usage.total_tokens, 0);
      expect(rules[2]?.observed).toBe(session);
      const run = entries
        .filter((e) => e.run_id === "run-a")
        .reduce((sum, e) => sum + e.token_usage.total_tokens, 0);
      expect(rules[3]?.observed).toBe(run);
    }
  });

  it("evaluates a 100,000-entry ledger in well under a millisecond", () => {
    const ev = evaluator([
      rule("rolling_5h", 1e12),
      rule("calendar_week", 1e12),
      rule("daemon_session", 1e12),
      rule("per_run", 1e12),
    ]);
    for (let i = 0; i < 100_000; i += 1)
      ev.add(
        entry({
          at: new Date(base - (100_000 - i) * 60_000).toISOString(),
          total: 100,
          run_id: `run-${i % 50}`,
        }),
      );
    const times: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const start = performance.now();
      ev.add(entry({ at: new Date(base + i * 1000).toISOString(), total: 100 }));
      ev.evaluate({ now: new Date(base + i * 1000), daemonSessionId: null, runId: "run-1" });
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    expect(times[150]).toBeLessThan(1);
  });
});

describe("subscription quota rules", () => {
  const healthy = (percent: number, resets: string | null): SubscriptionQuotaStatus => ({
    enabled: true,
    provider: "codex_chatgpt_oauth",
    state: "healthy",
    degraded_policy: "fail_open",
    detail: null,
    last_refreshed_at: "2026-04-29T12:00:00Z",
    windows: {
      five_hour: {
        window: "five_hour",
        percent_used: percent,
        resets_at: resets,
        read_at: "2026-04-29T12:00:00Z",
      },
    },
  });
  const config = (policy: "fail_open" | "fail_closed") => ({
    runtime_token_rules: { enabled: false },
    subscription_quota_rules: { enabled: true, degraded_policy: policy },
  });

  it("blocks at pause_at_percent_used and resumes when the window resets", () => {
    const ev = new UsageEvaluator(governanceConfig(config("fail_open")));
    const verdict = ev.evaluate({
      now: new Date(base),
      daemonSessionId: null,
      subscription: healthy(96, "2026-04-29T14:00:00Z"),
    });
    expect(verdict.rules.map((r) => [r.rule_id, r.observed, r.tripped])).toEqual([
      ["codex-five-hour-default", 96, true],
      ["codex-weekly-default", 0, false],
    ]);
    expect(verdict.resumeAt?.toISOString()).toBe("2026-04-29T14:00:00.000Z");
    const noReset = ev.evaluate({
      now: new Date(base),
      daemonSessionId: null,
      subscription: healthy(96, null),
    });
    expect(noReset.pause).toBe(true);
    expect(noReset.resumeAt).toBeUndefined();
    const afterReset = ev.evaluate({
      now: new Date("2026-04-29T14:00:01Z"),
      daemonSessionId: null,
      subscription: healthy(96, "2026-04-29T14:00:00Z"),
    });
    expect(afterReset.pause).toBe(false);
  });

  it("degraded telemetry: fail_open runs on, fail_closed adds the synthetic blocker", () => {
    const degraded: SubscriptionQuotaStatus = {
      ...healthy(0, null),
      state: "degraded",
      detail: "quota_telemetry_unavailable",
      windows: {},
    };
    const open = new UsageEvaluator(governanceConfig(config("fail_open"))).evaluate({
      now: new Date(base),
      daemonSessionId: null,
      subscription: degraded,
    });
    expect(open).toMatchObject({ pause: false, degraded: true });
    const closed = new UsageEvaluator(governanceConfig(config("fail_closed"))).evaluate({
      now: new Date(base),
      daemonSessionId: null,
      subscription: { ...degraded, degraded_policy: "fail_closed" },
    });
    expect(closed.blockers).toEqual([
      expect.objectContaining({
        rule_id: "subscription-quota-degraded-fail-closed",
        window: "degraded",
        observed: 100,
        threshold: 100,
        auto_resume_possible: false,
      }),
    ]);
  });
});
