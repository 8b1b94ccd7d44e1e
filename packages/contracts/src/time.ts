import { z } from "zod";
import { lazySchema } from "./lazy-schema.js";

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A timezone-aware timestamp. Readers accept both the `Z` and the `+00:00` forms (the reference
 * writes both); the value is kept as written so documents round-trip byte for byte.
 */
export const TimestampSchema = lazySchema(() =>
  z
    .string()
    .regex(ISO_UTC, "must be an ISO-8601 timestamp with a timezone, e.g. 2026-04-28T10:00:00Z")
    .refine((value) => !Number.isNaN(Date.parse(value)), "is not a real date"),
);

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

/**
 * A timestamp with microseconds, from the high-resolution clock: successive calls in one process
 * always increase, so records stamped with it sort in the order they were made.
 */
export function formatPreciseTimestamp(now: Date = new Date()): string {
  const precise = performance.timeOrigin + performance.now();
  const micros = Math.max(Math.floor(precise * 1000), now.getTime() * 1000);
  const whole = new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19);
  return `${whole}.${String(micros % 1_000_000).padStart(6, "0")}Z`;
}

/** Nanoseconds since the epoch for any accepted timestamp (sub-millisecond digits kept). */
export function timestampSortKey(value: string): bigint {
  const match = /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(value);
  if (!match) return 0n;
  const seconds = BigInt(Date.parse(`${match[1]}${match[3]}`)) * 1_000_000n;
  const fraction = BigInt((match[2] ?? "").padEnd(9, "0") || "0");
  return seconds + fraction;
}
