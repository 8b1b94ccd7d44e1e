import { defineConfig } from "vitest/config";

// Each case starts a real agent CLI (Claude Code is a 200+ MB native binary), so timeouts are
// generous and files run one at a time to stay inside a 2-core CI runner.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One temp folder per run (TMPDIR), removed at the end: scripts/vitest-temp-root.mjs.
    globalSetup: ["../../scripts/vitest-temp-root.mjs"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-report.json" },
  },
});
