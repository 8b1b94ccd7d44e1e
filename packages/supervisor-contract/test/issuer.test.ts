import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { DEFAULT_ISSUER, normalizeIssuer } from "../src/index.js";

describe("normalizeIssuer", () => {
  it("trims, lower-cases and turns whitespace into one dash", () => {
    expect(normalizeIssuer("  Ops Agent\t7 ")).toBe("ops-agent-7");
    expect(normalizeIssuer("ANA@host:1")).toBe("ana@host:1");
    expect(normalizeIssuer("sentinel")).toBe("sentinel");
  });

  it("defaults to operator when no issuer is given", () => {
    expect(normalizeIssuer(undefined)).toBe(DEFAULT_ISSUER);
    expect(DEFAULT_ISSUER).toBe("operator");
  });

  it("refuses an empty name with issuer_invalid (exit 2) and a hint", () => {
    for (const bad of ["", "   ", "\n"]) {
      const error = (() => {
        try {
          normalizeIssuer(bad);
        } catch (caught) {
          return caught;
        }
      })();
      expect(MillraceError.isInstance(error)).toBe(true);
      expect((error as MillraceError).code).toBe("issuer_invalid");
      expect((error as MillraceError).message).toBe("the issuer may not be empty");
      expect((error as MillraceError).hint).toMatch(/--issuer NAME/);
    }
  });

  it("refuses unsafe characters and overlong names", () => {
    for (const bad of ["a/b", "../x", "-lead", "x".repeat(65), "é", "a\u0000b", "$(rm)"]) {
      expect(() => normalizeIssuer(bad), bad).toThrow(/invalid issuer/);
    }
  });
});
