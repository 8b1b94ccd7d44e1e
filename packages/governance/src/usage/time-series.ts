import { USAGE_METRICS } from "@millrace/contracts";
import type { Sums } from "./metrics.js";

/**
 * Entries ordered by completion time with prefix sums per metric, so "everything completed since
 * t" is two binary searches away. Appends in time order are O(1) amortized; an out-of-order
 * completion (a back-filled result) shifts the tail once.
 */
export class TimeSeries {
  private times = new Float64Array(1024);
  /** prefix[m][i] = sum of metric m over entries 0..i-1. */
  private prefix: Float64Array[] = USAGE_METRICS.map(() => new Float64Array(1025));
  private values: Float64Array[] = USAGE_METRICS.map(() => new Float64Array(1024));
  private count = 0;

  get size(): number {
    return this.count;
  }

  insert(time: number, values: Sums): void {
    if (this.count === this.times.length) this.grow();
    let at = this.count;
    if (at > 0 && (this.times[at - 1] ?? 0) > time) at = this.upperBound(time);
    if (at < this.count) {
      this.times.copyWithin(at + 1, at, this.count);
      for (const column of this.values) column.copyWithin(at + 1, at, this.count);
    }
    this.times[at] = time;
    this.values.forEach((column, m) => {
      column[at] = values[m] ?? 0;
    });
    this.count += 1;
    for (let m = 0; m < this.prefix.length; m += 1) {
      const prefix = this.prefix[m] as Float64Array;
      const column = this.values[m] as Float64Array;
      for (let i = at; i < this.count; i += 1) prefix[i + 1] = (prefix[i] ?? 0) + (column[i] ?? 0);
    }
  }

  /** Sum of metric `m` over entries with time >= since. */
  sumSince(m: number, since: number): number {
    const prefix = this.prefix[m] as Float64Array;
    return (prefix[this.count] ?? 0) - (prefix[this.lowerBound(since)] ?? 0);
  }

  /**
   * With entries since `since` summing to at least `threshold`: the time of the entry whose
   * dropping out of the window (oldest first) brings the sum below the threshold.
   */
  releasingEntryTime(m: number, since: number, threshold: number): number | undefined {
    const prefix = this.prefix[m] as Float64Array;
    const total = prefix[this.count] ?? 0;
    let lo = this.lowerBound(since) + 1;
    let hi = this.count;
    if (lo > hi) return undefined;
    const target = total - threshold;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((prefix[mid] ?? 0) > target) hi = mid;
      else lo = mid + 1;
    }
    return (prefix[lo] ?? 0) > target ? this.times[lo - 1] : undefined;
  }

  /** First index with time >= t. */
  private lowerBound(t: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] ?? 0) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index with time > t. */
  private upperBound(t: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] ?? 0) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const widen = (array: Float64Array, size: number) => {
      const next = new Float64Array(size);
      next.set(array);
      return next;
    };
    this.times = widen(this.times, capacity);
    this.values = this.values.map((column) => widen(column, capacity));
    this.prefix = this.prefix.map((column) => widen(column, capacity + 1));
  }
}
