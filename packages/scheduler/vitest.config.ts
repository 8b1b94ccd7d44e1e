import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One temp folder per run (TMPDIR), removed at the end: scripts/vitest-temp-root.mjs.
    globalSetup: ["../../scripts/vitest-temp-root.mjs"],
    testTimeout: 30_000,
    // The event log writer checks every payload against its declaration (child processes inherit it).
    env: { MILLRACE_STRICT_EVENTS: "1" },
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-report.json" },
  },
});
