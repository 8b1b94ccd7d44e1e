import { describe, expect, it } from "vitest";
import {
  CONFIG_RANGE_KEYWORD,
  type ConfigRange,
  describeConfigRange,
  isInConfigRange,
  MillraceConfigSchema,
  renderJsonSchema,
} from "../src/index.js";

type JsonNode = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, JsonNode>;
  additionalProperties?: JsonNode | boolean;
  items?: JsonNode;
};

/** Every numeric leaf of the config's JSON Schema, by dotted path (`*` for a table of tables, `[]` for a list). */
function numericLeaves(node: JsonNode, at: string, out: Map<string, JsonNode>): Map<string, JsonNode> {
  if (node.type === "number" || node.type === "integer") out.set(at, node);
  for (const [key, child] of Object.entries(node.properties ?? {})) numericLeaves(child, `${at}.${key}`, out);
  if (typeof node.additionalProperties === "object") numericLeaves(node.additionalProperties, `${at}.*`, out);
  if (node.items) numericLeaves(node.items, `${at}[]`, out);
  for (const variant of (node.anyOf as JsonNode[] | undefined) ?? []) numericLeaves(variant, at, out);
  return out;
}

describe("numeric config ranges", () => {
  const schema = JSON.parse(renderJsonSchema("millrace-config")) as JsonNode;
  const leaves = numericLeaves(schema, "", new Map());

  it("every numeric key has a range", () => {
    expect(leaves.size).toBeGreaterThanOrEqual(20);
    const missing = [...leaves]
      .filter(([, node]) => node[CONFIG_RANGE_KEYWORD] === undefined)
      .map(([p]) => p);
    expect(missing).toEqual([]);
  });

  it("every range is finite, ordered, and keeps millisecond timers under setTimeout's limit", () => {
    for (const [key, node] of leaves) {
      const range = node[CONFIG_RANGE_KEYWORD] as ConfigRange;
      expect(Number.isFinite(range.min) && Number.isFinite(range.max), key).toBe(true);
      expect(range.min < range.max, key).toBe(true);
      expect(range.max, key).toBeLessThan(Number.MAX_SAFE_INTEGER);
      const ms = range.unit === "seconds" ? 1000 : range.unit === "minutes" ? 60_000 : 1;
      if (["seconds", "minutes", "milliseconds"].includes(range.unit)) {
        expect(range.max * ms, key).toBeLessThanOrEqual(2 ** 31 - 1);
      }
    }
  });

  it("the default configuration is inside every range", () => {
    expect(MillraceConfigSchema.safeParse({}).success).toBe(true);
  });

  it("refuses values that parse but overflow, with the range in the message", () => {
    for (const value of [3_000_000, 1e308, 0.001]) {
      const result = MillraceConfigSchema.safeParse({ runtime: { idle_sleep_seconds: value } });
      expect(result.success, String(value)).toBe(false);
      expect(result.error?.issues.map((issue) => issue.message)).toContain(
        "must be a number from 0.01 to 3600 (seconds)",
      );
    }
    expect(MillraceConfigSchema.safeParse({ runtime: { idle_sleep_seconds: 3600 } }).success).toBe(true);
    expect(MillraceConfigSchema.safeParse({ runtime: { idle_sleep_seconds: 0.01 } }).success).toBe(true);
    expect(MillraceConfigSchema.safeParse({ recovery: { max_fix_cycles: 101 } }).success).toBe(false);
    expect(MillraceConfigSchema.safeParse({ watchers: { debounce_ms: 60_001 } }).success).toBe(false);
    expect(MillraceConfigSchema.safeParse({ stages: { builder: { timeout_seconds: 1e9 } } }).success).toBe(
      false,
    );
    const rule = { rule_id: "r", window: "per_run", threshold: 1e16 };
    expect(
      MillraceConfigSchema.safeParse({ usage_governance: { runtime_token_rules: { rules: [rule] } } })
        .success,
    ).toBe(false);
  });

  it("describes and checks ranges", () => {
    const cycles: ConfigRange = { min: 1, max: 100, integer: true, unit: "cycles" };
    expect(describeConfigRange(cycles)).toBe("an integer from 1 to 100 (cycles)");
    expect(describeConfigRange({ min: 0, minExclusive: true, max: 1e15, unit: "tokens" })).toBe(
      "a number over 0 and at most 1e15 (tokens)",
    );
    expect(isInConfigRange(1, cycles)).toBe(true);
    expect(isInConfigRange(1.5, cycles)).toBe(false);
    expect(isInConfigRange(0, { min: 0, minExclusive: true, max: 1, unit: "x" })).toBe(false);
    expect(isInConfigRange(Number.NaN, cycles)).toBe(false);
    expect(isInConfigRange(Number.POSITIVE_INFINITY, { min: 0, max: Number.MAX_VALUE, unit: "x" })).toBe(
      false,
    );
  });
});
