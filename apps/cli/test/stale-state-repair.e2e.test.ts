import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

describe("clear-stale-state repairs corrupt state files", () => {
  it("a truncated snapshot: run refuses with a hint to clear-stale-state, which then repairs it and keeps a copy", () => {
    const root = tempDir();
    expect(runCli(["init", root]).status).toBe(0);
    const snapshot = path.join(root, "millrace-agents", "state", "runtime_snapshot.json");
    const counters = path.join(root, "millrace-agents", "state", "recovery_counters.json");
    writeFileSync(snapshot, readFileSync(snapshot, "utf8").slice(0, 40));
    writeFileSync(counters, "{ not json");

    const refused = runCli(["run", "once", "--workspace", root, "--mode", "demo"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("millrace clear-stale-state");

    const repaired = runCli(["clear-stale-state", "--workspace", root, "--json"]);
    expect(repaired.stderr).toBe("");
    expect(repaired.status).toBe(0);
    const result = repaired.json<{ applied: boolean; detail: string }>();
    expect(result.applied).toBe(true);
    expect(result.detail).toContain("repaired millrace-agents/state/runtime_snapshot.json");
    expect(result.detail).toContain("repaired millrace-agents/state/recovery_counters.json");
    const kept = readdirSync(path.dirname(snapshot)).filter((name) => name.includes(".corrupt-"));
    expect(kept).toHaveLength(2);

    const status = runCli(["status", "--workspace", root, "--json"]);
    expect(status.status).toBe(0);
    expect(status.stdout).not.toContain("not valid JSON");
    // A second clear-stale-state has nothing left to repair.
    const again = runCli(["clear-stale-state", "--workspace", root, "--json"]);
    expect(again.status).toBe(0);
    expect(again.json<{ detail: string }>().detail).not.toContain("repaired");
    expect(existsSync(snapshot)).toBe(true);
  });
});
