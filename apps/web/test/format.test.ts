import { describe, expect, it } from "vitest";
import { num, seconds, since, time, tokens, usd } from "../src/format.js";
import { href } from "../src/pages/route.js";

describe("display helpers", () => {
  it("show missing values as a dash, never as 'null' or 'NaN'", () => {
    expect(num(null)).toBe("—");
    expect(usd(undefined)).toBe("—");
    expect(seconds(null)).toBe("—");
    expect(time(null)).toBe("—");
    expect(tokens(null)).toBe("—");
    expect(since(undefined)).toBe("—");
  });

  it("format numbers, money, durations and times", () => {
    expect(num(12345)).toBe("12,345");
    expect(usd(0.5)).toBe("$0.5000");
    expect(seconds(4.25)).toBe("4.3s");
    expect(seconds(125)).toBe("2m 5s");
    expect(seconds(7260)).toBe("2h 1m");
    expect(time("2026-12-06T10:00:00.123Z")).toBe("2026-12-06 10:00:00Z");
    expect(time("not a time")).toBe("not a time");
    expect(since("2026-12-06T10:00:00Z", Date.parse("2026-12-06T10:01:30Z"))).toBe("1m 30s");
    expect(tokens({ input_tokens: 10, output_tokens: 5, total_tokens: 15 })).toBe("15 (in 10 / out 5)");
  });
});

describe("links", () => {
  it("encode every part, so an id or a path cannot break out of its segment", () => {
    expect(href({ workspace: "repo", page: "runs" })).toBe("#/w/repo/runs");
    expect(
      href({ workspace: "a b", page: "run", arg: "run-1", arg2: "millrace-agents/runs/run-1/x.txt" }),
    ).toBe("#/w/a%20b/run/run-1/millrace-agents%2Fruns%2Frun-1%2Fx.txt");
  });
});
