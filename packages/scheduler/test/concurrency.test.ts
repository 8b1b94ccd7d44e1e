import { describe, expect, it } from "vitest";
import { canDispatch } from "../src/tick/concurrency.js";

const learningPolicy = {
  mutually_exclusive_planes: [["execution" as const, "planning" as const]],
  may_run_concurrently: [
    ["learning" as const, "execution" as const],
    ["learning" as const, "planning" as const],
  ],
};

describe("canDispatch", () => {
  it("is serial without a policy", () => {
    expect(canDispatch(null, [], "execution")).toBe(true);
    expect(canDispatch(null, ["execution"], "learning")).toBe(false);
  });
  it("never runs two stages on one plane", () => {
    expect(canDispatch(learningPolicy, ["learning"], "learning")).toBe(false);
  });
  it("lets learning run beside one foreground plane, never execution beside planning", () => {
    expect(canDispatch(learningPolicy, ["execution"], "learning")).toBe(true);
    expect(canDispatch(learningPolicy, ["learning"], "planning")).toBe(true);
    expect(canDispatch(learningPolicy, ["execution"], "planning")).toBe(false);
    expect(canDispatch(learningPolicy, ["execution", "learning"], "planning")).toBe(false);
  });
});
