import { z } from "zod";

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A timezone-aware timestamp. Readers accept both the `Z` and the `+00:00` forms (the reference
 * writes both); the value is kept as written so documents round-trip byte for byte.
 */
export const TimestampSchema = z
  .string()
  .regex(ISO_UTC, "must be an ISO-8601 timestamp with a timezone, e.g. 2026-04-28T10:00:00Z")
  .refine((value) => !Number.isNaN(Date.parse(value)), "is not a real date");

/** Typed JSON models write `Z` with microseconds only when non-zero. */
export function formatTimestamp(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}

/** Runtime events, requeue logs, quarantine logs and mailbox archives use the `+00:00` form. */
export function formatEventTimestamp(date: Date): string {
  return `${formatTimestamp(date).slice(0, -1)}+00:00`;
}

export function timestampMillis(value: string): number {
  return Date.parse(value);
}
