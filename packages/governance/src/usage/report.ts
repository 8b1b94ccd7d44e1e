import {
  formatTimestamp,
  MillraceError,
  type UsageLedgerEntry,
  type UsageReportOutput,
} from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import { ParkedItems } from "../budgets/parked.js";
import { UsageLedger } from "../ledger/ledger.js";
import { readGovernanceState } from "../state/state-file.js";
import { CalendarWeeks } from "./calendar-week.js";
import { UsageEvaluator } from "./evaluator.js";
import type { UsageGovernanceConfig } from "./types.js";

export type UsageGrouping = UsageReportOutput["by"];
type Totals = UsageReportOutput["totals"];

export interface UsageReportInput {
  readonly paths: WorkspacePaths;
  readonly config: UsageGovernanceConfig;
  readonly now: Date;
  /** `all`, `rolling_5h`, `calendar_week`, or a span such as `24h` or `7d`. */
  readonly window?: string;
  readonly by?: UsageGrouping;
}

const SPAN = /^(\d+)([hd])$/;

/** The window's start in ms (null for `all`); an unknown window is a usage error naming the choices. */
export function windowStart(window: string, config: UsageGovernanceConfig, now: Date): number | null {
  if (window === "all") return null;
  if (window === "rolling_5h") return now.getTime() - 5 * 3_600_000;
  if (window === "calendar_week") return new CalendarWeeks(config.calendar_timezone).weekStart(now.getTime());
  const span = SPAN.exec(window);
  if (span && Number(span[1]) > 0)
    return now.getTime() - Number(span[1]) * (span[2] === "h" ? 3_600_000 : 86_400_000);
  throw new MillraceError("usage_invalid_argument", `unknown --window ${JSON.stringify(window)}`, {
    hint: "Use all, rolling_5h, calendar_week, or a span such as 24h or 7d.",
  });
}

function groupKey(entry: UsageLedgerEntry, by: UsageGrouping): string {
  switch (by) {
    case "stage":
      return entry.stage_kind_id ?? entry.stage_id;
    case "model":
      return entry.model_name ?? "unknown";
    case "item":
      return entry.work_item_id ?? "none";
    case "day":
      return entry.stage_completed_at.slice(0, 10);
  }
}

function emptyTotals(): Totals {
  return {
    entries: 0,
    input_tokens: 0,
    output_tokens: 0,
    total_tokens: 0,
    cost_usd: 0,
    cost_unknown_entries: 0,
  };
}

function add(totals: Totals, entry: UsageLedgerEntry): void {
  totals.entries += 1;
  totals.input_tokens += entry.token_usage.input_tokens;
  totals.output_tokens += entry.token_usage.output_tokens;
  totals.total_tokens += entry.token_usage.total_tokens;
  if (entry.cost_usd === null) totals.cost_unknown_entries += 1;
  else totals.cost_usd += entry.cost_usd;
}

/**
 * `millrace usage`: the ledger summed over a window and grouped, each rule's reading now, the
 * governance pause and the parked items. Reads only (the ledger is not repaired, nothing is written).
 */
export function usageReport(input: UsageReportInput): UsageReportOutput {
  const window = input.window ?? "all";
  const by = input.by ?? "stage";
  const since = windowStart(window, input.config, input.now);
  const ledger = UsageLedger.open(input.paths, { repair: false });
  const totals = emptyTotals();
  const groups = new Map<string, Totals>();
  for (const entry of ledger.entries) {
    if (since !== null && Date.parse(entry.stage_completed_at) < since) continue;
    add(totals, entry);
    const key = groupKey(entry, by);
    const group = groups.get(key) ?? emptyTotals();
    add(group, entry);
    groups.set(key, group);
  }
  const state = readGovernanceState(input.paths);
  const verdict = new UsageEvaluator(input.config, ledger.entries).evaluate({
    now: input.now,
    daemonSessionId: state.daemon_session_id,
  });
  return {
    enabled: input.config.enabled,
    generated_at: formatTimestamp(input.now),
    window,
    since: since === null ? null : formatTimestamp(new Date(since)),
    by,
    totals,
    groups: [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, group]) => ({ key, ...group })),
    rules: verdict.rules.map((rule) => ({
      source: rule.source,
      rule_id: rule.rule_id,
      window: rule.window,
      metric: rule.metric,
      observed: rule.observed,
      threshold: rule.threshold,
      tripped: rule.tripped,
      resume_at: rule.resume_at ? formatTimestamp(rule.resume_at) : null,
      detail: rule.detail,
    })),
    paused_by_governance: state.paused_by_governance,
    next_auto_resume_at: state.next_auto_resume_at,
    parked: ParkedItems.open(input.paths).list(),
    ledger_problems: ledger.problems.length,
  };
}
