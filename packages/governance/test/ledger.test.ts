import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { costOfUsage } from "../src/ledger/cost.js";
import { UsageLedger } from "../src/ledger/ledger.js";
import { reconcileLedger } from "../src/ledger/reconcile.js";
import { envelope, tempWorkspace, usage, writeResult } from "./helpers.js";

const prices = {
  "gpt-5-codex": { input_usd_per_million: 1, cached_input_usd_per_million: 0.1, output_usd_per_million: 10 },
};
const record = { prices, daemonSessionId: "session-a", now: new Date("2026-04-28T10:05:00Z") };

function lines(file: string): string[] {
  return readFileSync(file, "utf8").split("\n").filter(Boolean);
}

describe("usage ledger", () => {
  it("counts a token-bearing result exactly once, keyed by its workspace-relative path", () => {
    const paths = tempWorkspace();
    const ledger = UsageLedger.open(paths);
    const result = envelope();
    const file = writeResult(paths, result, "request-1");
    const entry = ledger.record(result, file, record);
    expect(entry?.dedupe_key).toBe("millrace-agents/runs/run-1/stage_results/request-1.json");
    expect(entry?.stage_result_path).toBe(entry?.dedupe_key);
    expect(entry?.daemon_session_id).toBe("session-a");
    expect(entry?.counted_at).toBe("2026-04-28T10:05:00Z");
    expect(ledger.record(result, file, record)).toBeUndefined();
    expect(lines(paths.usageGovernanceLedger)).toHaveLength(1);
    const reopened = UsageLedger.open(paths);
    expect(reopened.size).toBe(1);
    expect(reopened.record(result, file, record)).toBeUndefined();
    expect(lines(paths.usageGovernanceLedger)).toHaveLength(1);
  });

  it("forgetEntries: keeps no entries in memory, still counts and still dedupes", () => {
    const paths = tempWorkspace();
    const ledger = UsageLedger.open(paths);
    const seen: string[] = [];
    ledger.onEntry((entry) => seen.push(entry.run_id));
    const first = envelope({ runId: "run-a" });
    const firstFile = writeResult(paths, first, "request-1");
    ledger.record(first, firstFile, record);
    ledger.forgetEntries();
    expect(ledger.entries).toEqual([]);
    for (let i = 2; i <= 50; i += 1) {
      const result = envelope({ runId: `run-${i}` });
      ledger.record(result, writeResult(paths, result, `request-${i}`), record);
    }
    expect(ledger.entries).toEqual([]);
    expect(ledger.size).toBe(50);
    expect(seen).toHaveLength(50);
    expect(ledger.record(first, firstFile, record)).toBeUndefined();
    expect(lines(paths.usageGovernanceLedger)).toHaveLength(50);
    expect(UsageLedger.open(paths).entries).toHaveLength(50);
  });

  it("skips results without token usage", () => {
    const paths = tempWorkspace();
    const ledger = UsageLedger.open(paths);
    const result = envelope({ tokens: null });
    expect(ledger.record(result, writeResult(paths, result, "request-1"), record)).toBeUndefined();
    expect(ledger.size).toBe(0);
  });

  it("reconciles: back-fills uncounted results from runs/*/stage_results and never double counts", () => {
    const paths = tempWorkspace();
    const first = envelope({ runId: "run-a", completedAt: "2026-04-28T10:00:00Z" });
    const second = envelope({ runId: "run-b", completedAt: "2026-04-28T09:00:00Z" });
    const counted = writeResult(paths, first, "request-1");
    writeResult(paths, second, "request-2");
    writeResult(paths, envelope({ runId: "run-b", tokens: null }), "request-3");
    writeFileSync(`${paths.runs}/run-b/stage_results/request-4.json`, "{ not json");
    const ledger = UsageLedger.open(paths);
    ledger.record(first, counted, record);
    const report = reconcileLedger(ledger, {
      prices,
      daemonSessionId: null,
      lineageOf: (_kind, id) => `spec-of-${id}`,
    });
    expect(report.appended.map((e) => e.run_id)).toEqual(["run-b"]);
    expect(report.appended[0]?.lineage_root_id).toBe("spec-of-task-1");
    expect(report.invalid).toEqual(["millrace-agents/runs/run-b/stage_results/request-4.json"]);
    expect(reconcileLedger(ledger, { prices, daemonSessionId: null }).appended).toEqual([]);
    expect(reconcileLedger(UsageLedger.open(paths), { prices, daemonSessionId: null }).appended).toEqual([]);
    expect(lines(paths.usageGovernanceLedger)).toHaveLength(2);
  });

  it("tolerates a torn last line: it is cut off, and reconciliation counts its result again", () => {
    const paths = tempWorkspace();
    const a = envelope({ runId: "run-a" });
    const b = envelope({ runId: "run-b" });
    const ledger = UsageLedger.open(paths);
    ledger.record(a, writeResult(paths, a, "request-1"), record);
    ledger.record(b, writeResult(paths, b, "request-2"), record);
    const text = readFileSync(paths.usageGovernanceLedger, "utf8");
    const torn = text.slice(0, text.length - 40);
    writeFileSync(paths.usageGovernanceLedger, torn);
    const reader = UsageLedger.open(paths, { repair: false });
    expect(reader.size).toBe(1);
    expect(readFileSync(paths.usageGovernanceLedger, "utf8")).toBe(torn);
    const writer = UsageLedger.open(paths);
    expect(writer.size).toBe(1);
    expect(writer.problems).toEqual([]);
    const report = reconcileLedger(writer, { prices, daemonSessionId: null });
    expect(report.appended.map((e) => e.run_id)).toEqual(["run-b"]);
    const after = lines(paths.usageGovernanceLedger);
    expect(after).toHaveLength(2);
    for (const line of after) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("reports and skips a corrupt middle line, and reads entries another writer appended", () => {
    const paths = tempWorkspace();
    const a = envelope({ runId: "run-a" });
    const writer = UsageLedger.open(paths);
    writer.record(a, writeResult(paths, a, "request-1"), record);
    appendFileSync(paths.usageGovernanceLedger, "garbage\n");
    const reader = UsageLedger.open(paths, { repair: false });
    expect(reader.problems).toEqual([{ line: 2, message: "not JSON" }]);
    const b = envelope({ runId: "run-b" });
    writer.record(b, writeResult(paths, b, "request-2"), record);
    reader.refresh();
    expect(reader.entries.map((e) => e.run_id)).toEqual(["run-a", "run-b"]);
  });

  it("reads entries written by the reference (no cost fields)", () => {
    const paths = tempWorkspace();
    const reference = {
      dedupe_key: "millrace-agents/runs/r/stage_results/q.json",
      counted_at: "2026-04-28T10:00:00+00:00",
      stage_completed_at: "2026-04-28T10:00:00+00:00",
      plane: "execution",
      run_id: "r",
      stage_id: "builder",
      work_item_kind: "task",
      work_item_id: "t",
      token_usage: {
        input_tokens: 10,
        cached_input_tokens: 0,
        output_tokens: 5,
        thinking_tokens: 0,
        total_tokens: 15,
      },
      stage_result_path: "millrace-agents/runs/r/stage_results/q.json",
      daemon_session_id: null,
    };
    writeFileSync(paths.usageGovernanceLedger, `${JSON.stringify(reference)}\n`);
    const ledger = UsageLedger.open(paths);
    expect(ledger.entries[0]).toMatchObject({
      cost_source: "unknown",
      cost_usd: null,
      lineage_root_id: null,
    });
  });
});

describe("cost", () => {
  it("prefers the runner's cost, then the price table, else unknown", () => {
    expect(costOfUsage(usage(1000, { cost_usd: 0.5 }), "gpt-5-codex", prices)).toEqual({
      cost_usd: 0.5,
      cost_source: "runner",
    });
    const priced = costOfUsage(
      {
        input_tokens: 1_000_000,
        cached_input_tokens: 500_000,
        output_tokens: 100_000,
        thinking_tokens: 0,
        total_tokens: 1_100_000,
      },
      "gpt-5-codex",
      prices,
    );
    expect(priced.cost_source).toBe("price_table");
    expect(priced.cost_usd).toBeCloseTo(0.5 + 0.05 + 1, 10);
    expect(costOfUsage(usage(1000), "other-model", prices)).toEqual({
      cost_usd: null,
      cost_source: "unknown",
    });
    expect(costOfUsage(usage(1000), null, prices)).toEqual({ cost_usd: null, cost_source: "unknown" });
  });

  it("records the cost and its source on ledger entries", () => {
    const paths = tempWorkspace();
    const ledger = UsageLedger.open(paths);
    const runner = envelope({ runId: "r1", tokens: usage(100, { cost_usd: 0.02 }) });
    const table = envelope({
      runId: "r2",
      tokens: usage(1_000_000, { input_tokens: 1_000_000, output_tokens: 0 }),
    });
    const none = envelope({ runId: "r3", model: "mystery" });
    expect(ledger.record(runner, writeResult(paths, runner, "q1"), record)).toMatchObject({
      cost_usd: 0.02,
      cost_source: "runner",
    });
    expect(ledger.record(table, writeResult(paths, table, "q2"), record)).toMatchObject({
      cost_usd: 1,
      cost_source: "price_table",
    });
    expect(ledger.record(none, writeResult(paths, none, "q3"), record)).toMatchObject({
      cost_usd: null,
      cost_source: "unknown",
      model_name: "mystery",
    });
  });
});

describe("fast ledger-line check", () => {
  it("accepts exactly what the schema accepts for entries this runtime writes, and defers the rest", async () => {
    const { fastLedgerEntry } = await import("../src/ledger/fast-entry.js");
    const { UsageLedgerEntrySchema } = await import("@millrace/contracts");
    const { entry } = await import("./helpers.js");
    const good = JSON.parse(
      JSON.stringify(entry({ cost_usd: 0.1, cost_source: "runner", lineage_root_id: "spec-1" })),
    );
    expect(fastLedgerEntry(good)).toEqual(UsageLedgerEntrySchema.parse(good));
    const variants: Record<string, unknown>[] = [
      { ...good, plane: "nowhere" },
      { ...good, counted_at: "yesterday" },
      { ...good, token_usage: { ...good.token_usage, total_tokens: -1 } },
      { ...good, token_usage: { ...good.token_usage, total_tokens: 1.5 } },
      { ...good, cost_source: "guess" },
      { ...good, run_id: "" },
      (({ cost_source: _omit, ...rest }) => rest)(good),
    ];
    for (const variant of variants) expect(fastLedgerEntry(variant)).toBeUndefined();
    // the reference's shape (no cost fields) is not vouched for here; the schema fills its defaults
    expect(UsageLedgerEntrySchema.safeParse(variants[6]).success).toBe(true);
  });
});
