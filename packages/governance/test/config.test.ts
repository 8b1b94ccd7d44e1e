import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MillraceError } from "@millrace/contracts";
import { validateConfigText } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { parseUsageGovernanceConfig } from "../src/config-check.js";

function problems(toml: string): string[] {
  const result = validateConfigText(toml);
  return result.ok ? [] : result.problems.map((p) => `${p.key}: ${p.message}`);
}

describe("[usage_governance] config", () => {
  it("keeps the shipped config and the current keys valid, with the spec's defaults", () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const shipped = readFileSync(path.join(here, "..", "..", "..", "assets", "millrace.toml"), "utf8");
    expect(validateConfigText(shipped).ok).toBe(true);
    const current = `
[usage_governance]
enabled = true
calendar_timezone = "Europe/Paris"
[[usage_governance.runtime_token_rules.rules]]
rule_id = "five"
window = "rolling_5h"
metric = "total_tokens"
threshold = 100
`;
    const result = validateConfigText(current);
    expect(result.ok && result.config.usage_governance.runtime_token_rules.rules).toEqual([
      { rule_id: "five", window: "rolling_5h", metric: "total_tokens", threshold: 100 },
    ]);
    const defaults = parseUsageGovernanceConfig({});
    expect(defaults).toMatchObject({
      enabled: false,
      auto_resume: true,
      calendar_timezone: "UTC",
      prices: {},
      budgets: { per_stage_kind: {} },
      quota_window_scheduling: { enabled: false, horizon_minutes: 30 },
    });
  });

  it("accepts prices, budgets, metrics and quota-window scheduling", () => {
    const result = validateConfigText(`
[usage_governance]
enabled = true
[usage_governance.prices."gpt-5-codex"]
input_usd_per_million = 1.25
cached_input_usd_per_million = 0.125
output_usd_per_million = 10
[usage_governance.budgets]
per_work_item = { cost_usd = 5 }
per_lineage = { total_tokens = 2000000 }
[usage_governance.budgets.per_stage_kind.builder]
output_tokens = 100000
[usage_governance.quota_window_scheduling]
enabled = true
horizon_minutes = 15
[[usage_governance.runtime_token_rules.rules]]
rule_id = "spend"
window = "calendar_week"
metric = "cost_usd"
threshold = 50
`);
    expect(result.ok).toBe(true);
  });

  it("refuses each bad value naming the key and the fix", () => {
    expect(problems('[usage_governance]\ncalendar_timezone = "Mars/Base"')).toEqual([
      expect.stringMatching(/^usage_governance\.calendar_timezone: .*unknown time zone; use an IANA name/),
    ]);
    expect(
      problems(
        '[[usage_governance.runtime_token_rules.rules]]\nrule_id = "a"\nwindow = "rolling_5h"\nthreshold = 0',
      )[0],
    ).toMatch(/^usage_governance\.runtime_token_rules\.rules\.0\.threshold/);
    expect(
      problems(
        '[[usage_governance.runtime_token_rules.rules]]\nrule_id = "a"\nwindow = "rolling_5h"\nmetric = "words"\nthreshold = 1',
      )[0],
    ).toMatch(/metric/);
    expect(
      problems(
        '[[usage_governance.runtime_token_rules.rules]]\nrule_id = "a"\nwindow = "hourly"\nthreshold = 1',
      )[0],
    ).toMatch(/window/);
    expect(
      problems(
        '[[usage_governance.runtime_token_rules.rules]]\nrule_id = "a"\nwindow = "rolling_5h"\nthreshold = 1\n[[usage_governance.runtime_token_rules.rules]]\nrule_id = "a"\nwindow = "per_run"\nthreshold = 1',
      )[0],
    ).toMatch(/rules\.1\.rule_id: .*used twice; give each rule its own rule_id/);
    expect(
      problems(
        '[[usage_governance.subscription_quota_rules.rules]]\nrule_id = "q"\nwindow = "weekly"\npause_at_percent_used = 120',
      )[0],
    ).toMatch(/pause_at_percent_used/);
    expect(problems('[usage_governance.subscription_quota_rules]\ndegraded_policy = "maybe"')[0]).toMatch(
      /degraded_policy/,
    );
    expect(
      problems("[usage_governance.prices.m]\ninput_usd_per_million = -1\noutput_usd_per_million = 1")[0],
    ).toMatch(/^usage_governance\.prices\.m\.input_usd_per_million/);
    expect(problems("[usage_governance.prices.m]\ninput_usd_per_million = 1")[0]).toMatch(
      /output_usd_per_million/,
    );
    expect(problems("[usage_governance.budgets]\nper_work_item = {}")[0]).toMatch(
      /usage_governance\.budgets\.per_work_item: .*sets at least one of/,
    );
    expect(problems("[usage_governance.budgets]\nper_work_item = { dollars = 3 }")[0]).toMatch(/dollars/);
    expect(problems("[usage_governance.budgets.per_stage_kind.Builder]\ncost_usd = 1")[0]).toMatch(
      /per_stage_kind/,
    );
    expect(problems("[usage_governance.quota_window_scheduling]\nhorizon_minutes = 0")[0]).toMatch(
      /horizon_minutes/,
    );
  });

  it("parseUsageGovernanceConfig throws config_invalid with the key and a hint", () => {
    let error: unknown;
    try {
      parseUsageGovernanceConfig({ calendar_timezone: "Nowhere/Land" });
    } catch (caught) {
      error = caught;
    }
    expect(MillraceError.isInstance(error)).toBe(true);
    const e = error as MillraceError;
    expect(e.code).toBe("config_invalid");
    expect(e.message).toBe(
      "usage_governance.calendar_timezone: unknown time zone; use an IANA name such as UTC, Europe/Paris or America/New_York",
    );
    expect(e.hint).toContain("usage_governance.calendar_timezone");
  });
});
