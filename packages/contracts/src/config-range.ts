import type { z } from "zod";

/**
 * The allowed range of a numeric config key. Every number in `millrace.toml` has one, checked at
 * validate time, so a value that parses (TOML accepts `1e308`) but would overflow a timer or an
 * arithmetic step downstream is refused with the key, the range and the fix instead.
 */
export interface ConfigRange {
  readonly min: number;
  /** True when `min` itself is refused (the value must be greater than it). */
  readonly minExclusive?: boolean;
  readonly max: number;
  readonly integer?: boolean;
  /** What the number counts, for messages and the reference ("seconds", "tokens"). */
  readonly unit: string;
}

/** The JSON Schema keyword that carries a key's range (read by the configuration reference generator). */
export const CONFIG_RANGE_KEYWORD = "x-millrace-range";

function formatBound(value: number): string {
  return Number.isInteger(value) && Math.abs(value) >= 1e6
    ? value.toExponential().replace("e+", "e")
    : String(value);
}

/** The range in words, e.g. `a number from 0.01 to 3600 (seconds)` or `an integer from 1 to 100 (cycles)`. */
export function describeConfigRange(range: ConfigRange): string {
  const kind = range.integer ? "an integer" : "a number";
  const span = range.minExclusive
    ? `over ${formatBound(range.min)} and at most ${formatBound(range.max)}`
    : `from ${formatBound(range.min)} to ${formatBound(range.max)}`;
  return `${kind} ${span} (${range.unit})`;
}

export function isInConfigRange(value: number, range: ConfigRange): boolean {
  if (!Number.isFinite(value)) return false;
  if (range.integer && !Number.isInteger(value)) return false;
  if (range.minExclusive ? value <= range.min : value < range.min) return false;
  return value <= range.max;
}

/**
 * Adds the range check (a custom issue whose `params.configRange` is the range, so messages can
 * name it) and records the range in the schema's JSON Schema. The schema's own bounds stay: they
 * phrase type errors ("must be a number > 0") the way they always have.
 */
export function withConfigRange<T extends z.ZodType<number>>(schema: T, range: ConfigRange): T {
  return schema
    .superRefine((value, ctx) => {
      if (isInConfigRange(value, range)) return;
      ctx.addIssue({
        code: "custom",
        message: `must be ${describeConfigRange(range)}`,
        params: { configRange: range },
      });
    })
    .meta({ [CONFIG_RANGE_KEYWORD]: range }) as T;
}

/** The range a custom issue carries, when it came from `withConfigRange`. */
export function configRangeOfIssue(issue: { code: string; params?: unknown }): ConfigRange | undefined {
  if (issue.code !== "custom" || typeof issue.params !== "object" || issue.params === null) return undefined;
  const range = (issue.params as { configRange?: unknown }).configRange;
  return typeof range === "object" && range !== null ? (range as ConfigRange) : undefined;
}
