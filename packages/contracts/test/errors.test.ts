import { describe, expect, it } from "vitest";
import { ERROR_CODES, MillraceError } from "../src/index.js";

describe("MillraceError", () => {
  it("carries a stable code, a hint and the exit status of its code", () => {
    const error = new MillraceError("workspace_not_initialized", "no workspace at /tmp/x");
    expect(error.exitStatus).toBe(3);
    expect(error.hint).toBe(ERROR_CODES.workspace_not_initialized.hint);
    expect(error.toJSON().error.code).toBe("workspace_not_initialized");
  });

  it("recognises copies across package instances by shape", () => {
    const foreign = Object.assign(new Error("x"), { name: "MillraceError", code: "invalid_id" });
    expect(MillraceError.isInstance(foreign)).toBe(true);
    expect(MillraceError.isInstance(new Error("plain"))).toBe(false);
  });

  it("gives every code a usable title, hint and exit status", () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[a-z][a-z0-9_]*$/);
      expect([1, 2, 3]).toContain(info.exit);
      expect(info.title.length).toBeGreaterThan(5);
      expect(info.hint.length).toBeGreaterThan(5);
    }
  });
});
