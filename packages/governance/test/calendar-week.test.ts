import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { CalendarWeeks } from "../src/usage/calendar-week.js";

const iso = (ms: number) => new Date(ms).toISOString();

describe("calendar weeks", () => {
  it("rolls at Monday 00:00 UTC", () => {
    const weeks = new CalendarWeeks("UTC");
    const wednesday = Date.parse("2026-04-29T15:00:00Z");
    expect(iso(weeks.weekStart(wednesday))).toBe("2026-04-27T00:00:00.000Z");
    expect(iso(weeks.nextWeekStart(wednesday))).toBe("2026-05-04T00:00:00.000Z");
    expect(iso(weeks.weekStart(Date.parse("2026-05-04T00:00:00Z")))).toBe("2026-05-04T00:00:00.000Z");
    expect(iso(weeks.weekStart(Date.parse("2026-05-03T23:59:59Z")))).toBe("2026-04-27T00:00:00.000Z");
  });

  it("answers UTC without ICU exactly as the zone rules do (Etc/UTC goes through Intl)", () => {
    const direct = new CalendarWeeks("UTC");
    const throughIntl = new CalendarWeeks("Etc/UTC");
    let ms = Date.parse("2023-12-25T00:00:00Z");
    for (let step = 0; step < 400; step += 1) {
      ms += 37 * 3_600_000 + 1_234_567; // crosses week starts at every hour and second offset
      expect(direct.weekStart(ms)).toBe(throughIntl.weekStart(ms));
      expect(direct.nextWeekStart(ms)).toBe(throughIntl.nextWeekStart(ms));
    }
    expect(iso(direct.weekStart(Date.parse("2024-03-03T23:59:59.999Z")))).toBe("2024-02-26T00:00:00.000Z");
  });

  it("uses the local Monday midnight of the zone, across a DST change (Paris, spring forward)", () => {
    const weeks = new CalendarWeeks("Europe/Paris");
    const sunday = Date.parse("2026-03-29T12:00:00Z"); // DST starts 2026-03-29 02:00 local
    expect(iso(weeks.weekStart(sunday))).toBe("2026-03-22T23:00:00.000Z"); // Mon 23 Mar 00:00 CET
    expect(iso(weeks.nextWeekStart(sunday))).toBe("2026-03-29T22:00:00.000Z"); // Mon 30 Mar 00:00 CEST
    expect(weeks.nextWeekStart(sunday) - weeks.weekStart(sunday)).toBe(167 * 3_600_000);
  });

  it("handles the autumn change and zones west of UTC", () => {
    const paris = new CalendarWeeks("Europe/Paris");
    const autumn = Date.parse("2026-10-25T12:00:00Z"); // DST ends 2026-10-25 03:00 local
    expect(paris.nextWeekStart(autumn) - paris.weekStart(autumn)).toBe(169 * 3_600_000);
    const ny = new CalendarWeeks("America/New_York");
    // Monday 2026-04-27 02:00Z is still Sunday evening in New York.
    expect(iso(ny.weekStart(Date.parse("2026-04-27T02:00:00Z")))).toBe("2026-04-20T04:00:00.000Z");
    expect(iso(ny.nextWeekStart(Date.parse("2026-04-27T02:00:00Z")))).toBe("2026-04-27T04:00:00.000Z");
  });

  it("finds Monday midnight in a zone whose clocks change at midnight (Havana)", () => {
    // Cuba springs forward at 00:00 local (2025-03-09, a Sunday): the next Monday is on daylight time.
    const weeks = new CalendarWeeks("America/Havana");
    const during = Date.parse("2025-03-12T12:00:00Z");
    expect(iso(weeks.weekStart(during))).toBe("2025-03-10T04:00:00.000Z");
    expect(iso(weeks.weekStart(Date.parse("2025-03-09T12:00:00Z")))).toBe("2025-03-03T05:00:00.000Z");
  });

  it("refuses an unknown zone as a config error, never falls back to UTC", () => {
    let error: unknown;
    try {
      new CalendarWeeks("Mars/Olympus_Mons");
    } catch (caught) {
      error = caught;
    }
    expect(MillraceError.isInstance(error)).toBe(true);
    expect((error as MillraceError).code).toBe("config_invalid");
    expect((error as MillraceError).message).toContain("usage_governance.calendar_timezone");
  });
});
