import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";
import { hashTree } from "./wshash.js";

describe("millrace doctor", () => {
  it("a healthy workspace prints ok lines and exits 0", () => {
    const root = tempDir();
    runCli(["init", root]);
    const run = runCli(["doctor", "-w", root]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe("ok: true\nerrors: 0\nwarnings: 0\n");
  });

  it("errors exit 1 with one line per problem plus its hint; doctor never writes", () => {
    const root = tempDir();
    runCli(["init", root]);
    const rt = path.join(root, "millrace-agents");
    rmSync(path.join(rt, "outline.md"));
    writeFileSync(path.join(rt, "state", "runtime_daemon.lock.json"), "{");
    const before = hashTree(root);
    const run = runCli(["doctor", "-w", root]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("ok: false\nerrors: 2\n");
    expect(run.stdout).toContain(
      "error: missing_file millrace-agents/outline.md file millrace-agents/outline.md is missing\n  hint: ",
    );
    expect(run.stdout).toContain(
      "error: runtime_ownership_lock_invalid millrace-agents/state/runtime_daemon.lock.json",
    );
    const json = runCli(["doctor", "-w", root, "--json"]);
    expect(json.status).toBe(1);
    const report = json.json<{
      ok: boolean;
      checks: { code: string; status: string; path: string | null; hint: string | null }[];
    }>();
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => c.status === "error").map((c) => c.code)).toEqual([
      "missing_file",
      "runtime_ownership_lock_invalid",
    ]);
    expect(hashTree(root)).toBe(before);
  });

  it("an uninitialized folder reports workspace_not_initialized and exits 1", () => {
    const run = runCli(["doctor", "-w", tempDir()]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("error: workspace_not_initialized");
  });
});
