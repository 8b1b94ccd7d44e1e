import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fakeAgentBin, fakeAgentEnv } from "./fake-agents.js";
import { runCli, tempDir } from "./helpers.js";

/*
 * Through the built binary: the fake Codex's `sandbox` self-check fails as 0.169's does in a
 * container without Landlock. By default the gate refuses the Codex stage, naming the host problem
 * and the fix; with `[execution_capabilities] unenforceable = "advisory"` it runs without the
 * sandbox, and the monitor and `runs show` say so. The probe runs once per process.
 */

function workspace(advisory: boolean): { root: string; env: NodeJS.ProcessEnv; probeLog: string } {
  const root = path.join(tempDir("millrace-codex-host-e2e-"), "ws");
  expect(runCli(["init", root]).status).toBe(0);
  writeFileSync(
    path.join(root, "millrace-agents", "millrace.toml"),
    [
      "[runtime]",
      'default_mode = "default_codex"',
      "idle_sleep_seconds = 0.05",
      ...(advisory ? ["", "[execution_capabilities]", 'unenforceable = "advisory"'] : []),
      "",
    ].join("\n"),
  );
  const probeLog = path.join(root, "..", "sandbox-probes.log");
  const env = {
    ...fakeAgentEnv(fakeAgentBin()),
    FAKE_CODEX_SANDBOX: "fail",
    FAKE_CODEX_SANDBOX_LOG: probeLog,
  };
  expect(runCli(["add-task", "Add a flag", "--id", "task-flag", "-w", root], { env }).status).toBe(0);
  return { root, env, probeLog };
}

function probes(file: string): number {
  return readFileSync(file, "utf8").split("\n").filter(Boolean).length;
}

function onlyRun(root: string, env: NodeJS.ProcessEnv): string {
  const runs = runCli(["runs", "ls", "--json", "-w", root], { env }).json() as {
    runs: Array<{ run_id: string }>;
  };
  expect(runs.runs).toHaveLength(1);
  return String(runs.runs[0]?.run_id);
}

describe("a Codex stage where Codex's own sandbox cannot run", () => {
  it("refuse (the default): the item is blocked and runs show names the host problem and the fix", {
    timeout: 90_000,
  }, () => {
    const { root, env, probeLog } = workspace(false);
    const run = runCli(["run", "once", "-w", root], { env });
    expect(run.status, run.stderr).toBe(0);
    const queue = runCli(["queue", "ls", "--json", "-w", root], { env }).json() as {
      items: Array<{ state: string }>;
    };
    expect(queue.items.map((item) => item.state)).toEqual(["blocked"]);
    const text = runCli(["runs", "show", onlyRun(root, env), "-w", root], { env }).stdout;
    expect(text).toMatch(
      /capability_block: node=builder capability=workspace\.write failure=capability_grant_unsupported reason=codex_cli's own sandbox cannot run on this host \(`codex sandbox -- \/bin\/true` failed \(exit 1\): Error: sandbox setup failed: landlock_restrict_self: Operation not permitted \(os error 1\); kernel: [^)]*\); set \[execution_capabilities\] unenforceable = "advisory" to run its stages without it/,
    );
    expect(text).not.toContain("capability_flags:");
    expect(probes(probeLog)).toBe(1);
  });

  it("advisory: the stages run without the sandbox; the monitor and runs show say why", {
    timeout: 120_000,
  }, () => {
    const { root, env, probeLog } = workspace(true);
    const daemon = runCli(["run", "daemon", "--until-idle", "--monitor", "basic", "-w", root], { env });
    expect(daemon.status, daemon.stderr).toBe(0);
    const queue = runCli(["queue", "ls", "--json", "-w", root], { env }).json() as {
      items: Array<{ state: string }>;
    };
    expect(queue.items.map((item) => item.state)).toEqual(["done"]);
    const advisoryLines = daemon.stdout.split("\n").filter((line) => line.includes("capability advisory"));
    expect(advisoryLines.length).toBeGreaterThan(0);
    expect(advisoryLines[0]).toMatch(
      /capability advisory execution\.builder run=\S+ unenforced: workspace\.write: host sandbox unavailable \(`codex sandbox -- \/bin\/true` failed/,
    );
    // One daemon process: one self-check, however many stages ran.
    expect(probes(probeLog)).toBe(1);

    const text = runCli(["runs", "show", onlyRun(root, env), "-w", root], { env }).stdout;
    expect(text).toContain('capability_flags: --sandbox danger-full-access -c approval_policy="never"\n');
    expect(text).toMatch(
      /capability_grant: grant_id=grant\.builder\.run_commands capability=shell\.run decision=granted enforcement=advisory reason=host sandbox unavailable \(`codex sandbox -- \/bin\/true` failed/,
    );
    expect(text).not.toContain("workspace-write");
  });
});
