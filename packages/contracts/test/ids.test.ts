import { describe, expect, it } from "vitest";
import {
  CanonicalIdSchema,
  explainUnsafeId,
  isSafeId,
  SafeIdSchema,
  StatusTokenSchema,
} from "../src/index.js";

describe("safe ids", () => {
  it.each(["task-001", "idea-fetcher", "A.b_c-9", "x"])("accepts %s", (id) => {
    expect(isSafeId(id)).toBe(true);
    expect(SafeIdSchema.parse(id)).toBe(id);
  });

  it.each([
    ["", "empty"],
    [" task", "whitespace"],
    ["a/b", "path separator"],
    ["a\\b", "path separator"],
    ["..", "'..'"],
    ["a..b", "'..'"],
    ["a\0b", "NUL"],
    ["-lead", "must start with a letter or digit"],
    [".hidden", "must start with a letter or digit"],
    ["x".repeat(201), "longer than 200"],
  ])("rejects %j (%s)", (id, why) => {
    expect(explainUnsafeId(id)).toContain(why);
    expect(SafeIdSchema.safeParse(id).success).toBe(false);
  });
});

describe("canonical ids and tokens", () => {
  it("normalises case and whitespace like the reference", () => {
    expect(CanonicalIdSchema.parse("  Execution.Standard ")).toBe("execution.standard");
    expect(StatusTokenSchema.parse(" builder_complete ")).toBe("BUILDER_COMPLETE");
  });
  it("rejects malformed ids", () => {
    expect(CanonicalIdSchema.safeParse("bad..id").success).toBe(false);
    expect(CanonicalIdSchema.safeParse("-x").success).toBe(false);
    expect(StatusTokenSchema.safeParse("1ABC").success).toBe(false);
  });
});
