import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // The event log writer checks every payload against its declaration (child processes inherit it).
    env: { MILLRACE_STRICT_EVENTS: "1" },
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-report.json" },
  },
});
