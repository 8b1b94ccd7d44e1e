import { describe, expect, it } from "vitest";
import { legalTerminalMarkers, planeOfStage, STAGE_LEGALITY } from "../src/index.js";

describe("stage legality table", () => {
  it("gives every stage BLOCKED", () => {
    for (const entry of STAGE_LEGALITY) expect(Object.keys(entry.outcomes)).toContain("BLOCKED");
  });
  it("derives markers", () => {
    expect(legalTerminalMarkers("checker")).toEqual(["### CHECKER_PASS", "### FIX_NEEDED", "### BLOCKED"]);
    expect(planeOfStage("recon")).toBe("planning");
  });
});
