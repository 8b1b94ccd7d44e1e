import { describe, expect, it } from "vitest";
import { BoundedMap } from "../../src/state/bounded-map.js";

describe("BoundedMap", () => {
  it("keeps at most `limit` entries, dropping the least recently used", () => {
    const map = new BoundedMap<string, number>(3);
    for (let i = 0; i < 1000; i += 1) map.set(`k${i}`, i);
    expect(map.size).toBe(3);
    expect(map.has("k999")).toBe(true);
    expect(map.has("k996")).toBe(false);
  });

  it("a read marks an entry as used, so it outlives older ones", () => {
    const map = new BoundedMap<string, number>(2);
    map.set("a", 1).set("b", 2);
    expect(map.get("a")).toBe(1);
    map.set("c", 3);
    expect(map.has("a")).toBe(true);
    expect(map.has("b")).toBe(false);
    expect(map.get("missing")).toBeUndefined();
  });

  it("setting a known key replaces its value without growing", () => {
    const map = new BoundedMap<string, number | null>(2);
    map.set("a", 1).set("a", null);
    expect(map.size).toBe(1);
    expect(map.has("a")).toBe(true);
    expect(map.get("a")).toBeNull();
    expect(map.delete("a")).toBe(true);
    expect(map.size).toBe(0);
  });

  it("refuses a limit that is not a whole number >= 1", () => {
    expect(() => new BoundedMap(0)).toThrow(/whole number >= 1/);
    expect(() => new BoundedMap(2.5)).toThrow(/whole number >= 1/);
  });
});
