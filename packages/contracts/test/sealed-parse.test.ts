import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isSealedBy, parseSealed, safeParseSealed } from "../src/index.js";

const Item = z.object({
  id: z.string().min(1),
  tags: z.array(z.string()).default([]),
  nested: z.object({ n: z.number() }),
});
const Other = z.object({ id: z.string() });

describe("sealed parse", () => {
  it("validates once: the output is deep-frozen, and parsing it again with the same schema returns it as is", () => {
    const first = parseSealed(Item, { id: "a", nested: { n: 1 } });
    expect(first).toEqual({ id: "a", tags: [], nested: { n: 1 } });
    expect(Object.isFrozen(first) && Object.isFrozen(first.tags) && Object.isFrozen(first.nested)).toBe(true);
    expect(isSealedBy(Item, first)).toBe(true);
    expect(parseSealed(Item, first)).toBe(first);
    const again = safeParseSealed(Item, first);
    expect(again.success && again.data).toBe(first);
  });

  it("a frozen value cannot drift from what was validated", () => {
    const value = parseSealed(Item, { id: "a", nested: { n: 1 } });
    expect(() => {
      (value as { id: string }).id = "";
    }).toThrow(TypeError);
    expect(() => (value.tags as string[]).push("x")).toThrow(TypeError);
  });

  it("anything not sealed by that schema is validated: copies, other schemas' values, bad input", () => {
    const value = parseSealed(Item, { id: "a", nested: { n: 1 } });
    const copy = { ...value, id: "" };
    expect(isSealedBy(Item, copy)).toBe(false);
    expect(() => parseSealed(Item, copy)).toThrow(z.ZodError);
    const bad = safeParseSealed(Item, copy);
    expect(bad.success).toBe(false);
    expect(isSealedBy(Item, copy)).toBe(false);
    const other = parseSealed(Other, { id: "" });
    expect(isSealedBy(Item, other)).toBe(false);
    expect(safeParseSealed(Item, other).success).toBe(false);
    expect(isSealedBy(Item, null)).toBe(false);
    expect(safeParseSealed(z.string(), "plain").success).toBe(true);
  });
});
