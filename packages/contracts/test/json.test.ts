import { describe, expect, it } from "vitest";
import { canonicalJson, sortKeysDeep } from "../src/json.js";

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops undefined values", () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[{"y":2,"z":1}]},"b":1}',
    );
  });

  it("keeps a parsed __proto__ key as a plain key instead of changing the prototype", () => {
    const parsed = JSON.parse('{"__proto__":{"x":1},"a":2}');
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"x":1},"a":2}');
    const sorted = sortKeysDeep(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(sorted)).toBe(Object.prototype);
    expect(Object.keys(sorted)).toEqual(["__proto__", "a"]);
  });

  it("assigns every other key as an own enumerable key, prototype member names and numbers included", () => {
    const parsed = JSON.parse(
      '{"toString":1,"constructor":{"b":2,"a":1},"hasOwnProperty":null,"10":"x","2":"y","__proto__":[]}',
    );
    const sorted = sortKeysDeep(parsed) as Record<string, unknown>;
    expect(Object.keys(sorted)).toEqual([
      "2",
      "10",
      "__proto__",
      "constructor",
      "hasOwnProperty",
      "toString",
    ]);
    expect(Object.getPrototypeOf(sorted)).toBe(Object.prototype);
    for (const key of Object.keys(sorted)) {
      const descriptor = Object.getOwnPropertyDescriptor(sorted, key);
      expect(descriptor).toMatchObject({ enumerable: true, writable: true, configurable: true });
    }
    expect(canonicalJson(parsed)).toBe(
      '{"2":"y","10":"x","__proto__":[],"constructor":{"a":1,"b":2},"hasOwnProperty":null,"toString":1}',
    );
  });
});
