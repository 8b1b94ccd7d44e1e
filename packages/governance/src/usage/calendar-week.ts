import { isKnownTimeZone, MillraceError } from "@millrace/contracts";

const DAY_MS = 86_400_000;
const WEEKDAY_FROM_MONDAY: Record<string, number> = {
  Mon: 0,
  Tue: 1,
  Wed: 2,
  Thu: 3,
  Fri: 4,
  Sat: 5,
  Sun: 6,
};

interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly weekday: number;
}

/**
 * Calendar weeks in one IANA time zone: a week starts at local Monday 00:00. Conversions go
 * through `Intl`, so daylight-saving changes land where the zone's rules put them. The last week
 * looked up is cached: ledger entries and evaluations mostly fall in the current week.
 */
export class CalendarWeeks {
  readonly timeZone: string;
  /** Absent for UTC: its wall clock is the Date's own UTC fields, so ICU's zone data is not loaded. */
  private readonly format: Intl.DateTimeFormat | undefined;
  private cachedStart = Number.NaN;
  private cachedEnd = Number.NaN;

  constructor(timeZone: string) {
    if (!isKnownTimeZone(timeZone)) {
      throw new MillraceError(
        "config_invalid",
        `usage_governance.calendar_timezone: unknown time zone ${JSON.stringify(timeZone)}`,
        {
          hint: "Use an IANA time zone name such as UTC, Europe/Paris or America/New_York.",
          details: { key: "usage_governance.calendar_timezone", value: timeZone },
        },
      );
    }
    this.timeZone = timeZone;
    this.format =
      timeZone === "UTC"
        ? undefined
        : new Intl.DateTimeFormat("en-US", {
            timeZone,
            hourCycle: "h23",
            year: "numeric",
            month: "numeric",
            day: "numeric",
            hour: "numeric",
            minute: "numeric",
            second: "numeric",
            weekday: "short",
          });
  }

  /** Start (ms) of the week holding `ms`. */
  weekStart(ms: number): number {
    this.ensure(ms);
    return this.cachedStart;
  }

  /** Start (ms) of the week after the one holding `ms`: when a calendar_week window rolls. */
  nextWeekStart(ms: number): number {
    this.ensure(ms);
    return this.cachedEnd;
  }

  private ensure(ms: number): void {
    if (ms >= this.cachedStart && ms < this.cachedEnd) return;
    const wall = this.wallClock(ms);
    const monday = Date.UTC(wall.year, wall.month - 1, wall.day - wall.weekday);
    this.cachedStart = this.localMidnight(monday);
    this.cachedEnd = this.localMidnight(monday + 7 * DAY_MS);
  }

  private wallClock(ms: number): WallClock {
    if (this.format === undefined) {
      const date = new Date(ms);
      return {
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
        hour: date.getUTCHours(),
        minute: date.getUTCMinutes(),
        second: date.getUTCSeconds(),
        weekday: (date.getUTCDay() + 6) % 7,
      };
    }
    const parts: Record<string, string> = {};
    for (const part of this.format.formatToParts(ms)) parts[part.type] = part.value;
    return {
      year: Number(parts.year),
      month: Number(parts.month),
      day: Number(parts.day),
      hour: Number(parts.hour),
      minute: Number(parts.minute),
      second: Number(parts.second),
      weekday: WEEKDAY_FROM_MONDAY[parts.weekday ?? "Mon"] ?? 0,
    };
  }

  /** Offset (ms) of local wall time over UTC at instant `ms`. */
  private offset(ms: number): number {
    const w = this.wallClock(ms);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
  }

  /**
   * The first instant of the local day whose midnight, read as UTC, is `dayAsUtc`. When a zone
   * skips midnight (a DST gap), the day starts when the gap ends.
   */
  private localMidnight(dayAsUtc: number): number {
    const first = dayAsUtc - this.offset(dayAsUtc);
    const candidates = [first, dayAsUtc - this.offset(first)].sort((a, b) => a - b);
    const target = new Date(dayAsUtc);
    const sameDay = (ms: number) => {
      const w = this.wallClock(ms);
      return (
        w.year === target.getUTCFullYear() &&
        w.month === target.getUTCMonth() + 1 &&
        w.day === target.getUTCDate()
      );
    };
    for (const candidate of candidates) if (sameDay(candidate)) return candidate;
    return candidates[candidates.length - 1] ?? first;
  }
}
