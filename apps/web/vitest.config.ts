import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One temp folder per run (TMPDIR), removed at the end: scripts/vitest-temp-root.mjs.
    globalSetup: ["../../scripts/vitest-temp-root.mjs"],
    testTimeout: 30_000,
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-report.json" },
  },
});
