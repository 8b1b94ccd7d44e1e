import { describe, expect, it } from "vitest";
import { compareCodeUnits } from "../src/text-order.js";

describe("compareCodeUnits", () => {
  it("orders by UTF-16 code units, not by a locale's collation", () => {
    const names = ["b", "a_b", "B", "a-b", "ä", "a", "a1", "Z"];
    expect([...names].sort(compareCodeUnits)).toEqual(["B", "Z", "a", "a-b", "a1", "a_b", "b", "ä"]);
  });

  it("is zero only for equal strings and antisymmetric", () => {
    expect(compareCodeUnits("x", "x")).toBe(0);
    expect(compareCodeUnits("x", "y")).toBe(-1);
    expect(compareCodeUnits("y", "x")).toBe(1);
    expect(compareCodeUnits("", "a")).toBe(-1);
  });
});
