import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("the ./status entry point", () => {
  it("serves the same readStatus as ./read-models (one module, not a copy)", async () => {
    expect(existsSync(new URL("../../dist/read-models/status.js", import.meta.url)), "build first").toBe(
      true,
    );
    const alone = await import("@millrace/scheduler/status");
    const barrel = await import("@millrace/scheduler/read-models");
    expect(typeof alone.readStatus).toBe("function");
    expect(alone.readStatus).toBe(barrel.readStatus);
  });
});
