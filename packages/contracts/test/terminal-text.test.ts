import { describe, expect, it } from "vitest";
import { findControlChar, neutralizeControlChars } from "../src/terminal-text.js";

describe("neutralizeControlChars", () => {
  it("makes ESC, BEL, NUL, CR and C1 controls visible and keeps newline and tab", () => {
    const evil = "Evil \u001b[2J\u001b]0;pwned\u0007 a\u0000b\r\n\tc\u009bd\u007f";
    const shown = neutralizeControlChars(evil);
    expect(shown).toBe("Evil \u241b[2J\u241b]0;pwned\u2407 a\u2400b\u240d\n\tc\\u{9b}d\u2421");
    expect(findControlChar(shown, "\n\t")).toBeUndefined();
  });

  it("returns plain text unchanged", () => {
    const plain = "Café 中 🙂 - tabs\tand\nlines";
    expect(neutralizeControlChars(plain)).toBe(plain);
  });
});

describe("findControlChar", () => {
  it("names the first control character not allowed", () => {
    expect(findControlChar("ok\tthen\u001bx")).toEqual({ index: 7, codePoint: 0x1b, name: "U+001B" });
    expect(findControlChar("a\u0000", "")).toMatchObject({ index: 1, name: "U+0000" });
    expect(findControlChar("line\r\n\tend")).toBeUndefined();
    expect(findControlChar("tab\there", "")).toMatchObject({ name: "U+0009" });
    expect(findControlChar("c1 \u0085", "\n")).toMatchObject({ name: "U+0085" });
  });
});
