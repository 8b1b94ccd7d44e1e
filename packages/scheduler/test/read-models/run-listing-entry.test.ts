import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("the ./run-listing entry point", () => {
  it("serves the same listing functions as ./read-models (one module, not a copy)", async () => {
    expect(existsSync(new URL("../../dist/read-models/run-listing.js", import.meta.url)), "build first").toBe(
      true,
    );
    const alone = await import("@millrace/scheduler/run-listing");
    const barrel = await import("@millrace/scheduler/read-models");
    expect(alone.listNewestRuns).toBe(barrel.listNewestRuns);
    expect(alone.listRuns).toBe(barrel.listRuns);
    expect(alone.summarizeRun).toBe(barrel.summarizeRun);
    expect(alone.listRunPage).toBe(barrel.listRunPage);
  });
});
