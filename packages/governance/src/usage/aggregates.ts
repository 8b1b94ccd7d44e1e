import type { UsageLedgerEntry, UsageMetric } from "@millrace/contracts";
import type { CalendarWeeks } from "./calendar-week.js";
import { addInto, emptySums, entryValues, METRIC_INDEX, type Sums } from "./metrics.js";
import { TimeSeries } from "./time-series.js";

const NULL_KEY = "\u0000null";

function upperBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function bump(map: Map<string, Sums>, key: string, values: Sums): void {
  let sums = map.get(key);
  if (!sums) {
    sums = emptySums();
    map.set(key, sums);
  }
  addInto(sums, values);
}

/**
 * Running totals over the usage ledger, kept up to date one entry at a time: a completion-time
 * series (rolling windows), one bucket per calendar week, and totals per daemon session, run,
 * work item, lineage and (work item, stage kind). Nothing here rescans the ledger.
 */
export class UsageAggregates {
  readonly series = new TimeSeries();
  readonly weeks: CalendarWeeks;
  private readonly weekBuckets = new Map<number, Sums>();
  private readonly sessions = new Map<string, Sums>();
  private readonly runs = new Map<string, Sums>();
  private readonly workItems = new Map<string, Sums>();
  private readonly lineages = new Map<string, Sums>();
  private readonly workItemStageKinds = new Map<string, Sums>();
  /** Per stage kind, per metric: every stage's usage, kept sorted so a median is O(1). */
  private readonly stageKindSamples = new Map<string, number[][]>();
  private entries = 0;
  private unknownCost = 0;

  constructor(weeks: CalendarWeeks) {
    this.weeks = weeks;
  }

  get size(): number {
    return this.entries;
  }

  /** Entries whose cost is unknown (no runner cost, no price for the model). */
  get unknownCostEntries(): number {
    return this.unknownCost;
  }

  add(entry: UsageLedgerEntry): void {
    const values = entryValues(entry);
    const completed = Date.parse(entry.stage_completed_at);
    this.entries += 1;
    if (entry.cost_source === "unknown") this.unknownCost += 1;
    this.series.insert(completed, values);
    const week = this.weeks.weekStart(completed);
    let bucket = this.weekBuckets.get(week);
    if (!bucket) {
      bucket = emptySums();
      this.weekBuckets.set(week, bucket);
    }
    addInto(bucket, values);
    bump(this.sessions, entry.daemon_session_id ?? NULL_KEY, values);
    bump(this.runs, entry.run_id, values);
    if (entry.work_item_id) {
      bump(this.workItems, entry.work_item_id, values);
      const kind = entry.stage_kind_id ?? entry.stage_id;
      bump(this.workItemStageKinds, `${entry.work_item_id}\u0000${kind}`, values);
    }
    if (entry.lineage_root_id) bump(this.lineages, entry.lineage_root_id, values);
    const kind = entry.stage_kind_id ?? entry.stage_id;
    let samples = this.stageKindSamples.get(kind);
    if (!samples) {
      samples = [[], [], [], []];
      this.stageKindSamples.set(kind, samples);
    }
    values.forEach((value, m) => {
      const sorted = samples[m];
      if (sorted) sorted.splice(upperBound(sorted, value), 0, value);
    });
  }

  sinceTime(metric: UsageMetric, since: number): number {
    return this.series.sumSince(METRIC_INDEX[metric], since);
  }

  week(metric: UsageMetric, at: number): number {
    return this.weekBuckets.get(this.weeks.weekStart(at))?.[METRIC_INDEX[metric]] ?? 0;
  }

  session(metric: UsageMetric, sessionId: string | null): number {
    return this.sessions.get(sessionId ?? NULL_KEY)?.[METRIC_INDEX[metric]] ?? 0;
  }

  run(metric: UsageMetric, runId: string): number {
    return this.runs.get(runId)?.[METRIC_INDEX[metric]] ?? 0;
  }

  workItem(metric: UsageMetric, workItemId: string): number {
    return this.workItems.get(workItemId)?.[METRIC_INDEX[metric]] ?? 0;
  }

  lineage(metric: UsageMetric, lineageRootId: string): number {
    return this.lineages.get(lineageRootId)?.[METRIC_INDEX[metric]] ?? 0;
  }

  workItemStageKind(metric: UsageMetric, workItemId: string, stageKindId: string): number {
    return this.workItemStageKinds.get(`${workItemId}\u0000${stageKindId}`)?.[METRIC_INDEX[metric]] ?? 0;
  }

  /** Median of one stage kind's per-stage usage, or undefined with no sample. */
  medianStageUsage(metric: UsageMetric, stageKindId: string): number | undefined {
    const samples = this.stageKindSamples.get(stageKindId)?.[METRIC_INDEX[metric]];
    if (!samples || samples.length === 0) return undefined;
    const sorted = samples;
    const mid = sorted.length >>> 1;
    return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  }
}
