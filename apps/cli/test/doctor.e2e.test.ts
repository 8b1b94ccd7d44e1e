import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FullDoctorReportSchema } from "@millrace/contracts";
import { FAKE_CODEX_PATH } from "@millrace/runners/testing";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";
import { hashTree } from "./wshash.js";

/** A PATH folder with a fake `codex` that answers `--version`. */
function fakeCodexBin(): string {
  const dir = tempDir("millrace-bin-");
  const file = path.join(dir, "codex");
  writeFileSync(
    file,
    `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "codex-cli 0.169.0"; exit 0; fi\nexec "${process.execPath}" "${FAKE_CODEX_PATH}" "$@"\n`,
  );
  chmodSync(file, 0o755);
  return dir;
}

const BASIC = '[runners.codex]\npermission_default = "basic"\n';

function healthyWorkspace(): string {
  const root = tempDir();
  runCli(["init", root]);
  writeFileSync(path.join(root, "millrace-agents", "millrace.toml"), BASIC);
  runCli(["compile", "validate", "-w", root]);
  return root;
}

describe("millrace doctor", () => {
  it("a healthy workspace prints the summary and its runner, and exits 0", () => {
    const root = healthyWorkspace();
    const bin = fakeCodexBin();
    const run = runCli(["doctor", "-w", root], {
      env: { PATH: bin, HOME: tempDir(), CODEX_API_KEY: "sk-fake-000" },
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      `ok: true\nerrors: 0\nwarnings: 0\nmode_id: default_codex\nrunner: codex_cli command=${path.join(bin, "codex")} version=codex-cli 0.169.0 credentials=present(CODEX_API_KEY)\n`,
    );
  });

  it("--json prints the documented report with a code per check", () => {
    const root = healthyWorkspace();
    const run = runCli(["doctor", "-w", root, "--json"], {
      env: { PATH: fakeCodexBin(), HOME: tempDir(), CODEX_API_KEY: "sk-fake-000" },
    });
    expect(run.status).toBe(0);
    const report = FullDoctorReportSchema.parse(run.json());
    expect(report.kind).toBe("doctor_report");
    expect(report.checks.map((c) => c.code)).toEqual(
      expect.arrayContaining(["workspace_files", "plan_current", "queue_consistent", "runner_version"]),
    );
  });

  it("the configured mode's missing agent CLI is an error (run would refuse); the findings are warnings with hints; grants keep the sandbox", () => {
    const root = tempDir();
    runCli(["init", root]);
    const run = runCli(["doctor", "-w", root], {
      env: { PATH: tempDir(), HOME: tempDir(), CODEX_API_KEY: "" },
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("ok: false\nerrors: 1\nwarnings: 3\n");
    expect(run.stdout).toContain(
      "error: mode_runner_unavailable none cannot run mode default_codex: codex_cli: the Codex executable codex was not found on PATH: install it, or set runners.codex.command to its absolute path; no Codex credentials: set CODEX_API_KEY",
    );
    expect(run.stdout).toContain(
      "warning: runner_binary_missing none codex_cli: command codex was not found on PATH (runners.codex.command)\n  hint: Install the agent CLI",
    );
    expect(run.stdout).toContain("warning: runner_credentials_missing none codex_cli: no CODEX_API_KEY");
    // The default permission level is maximum, but with execution capabilities on it is not used.
    expect(run.stdout).not.toContain("runner_permission_maximum");
    expect(run.stdout).toContain("warning: plan_missing millrace-agents/state/compiled_plan.json");
  });

  it("a runner only other modes use is not checked; switching to its mode makes it an error", () => {
    const root = healthyWorkspace();
    const env = { PATH: fakeCodexBin(), HOME: tempDir(), CODEX_API_KEY: "sk-fake-000" };
    const codexMode = runCli(["doctor", "-w", root], { env });
    expect(codexMode.stdout).toContain("ok: true\nerrors: 0\n");
    expect(codexMode.stdout).not.toContain("claude");
    const config = path.join(root, "millrace-agents", "millrace.toml");
    writeFileSync(config, `[runtime]\ndefault_mode = "default_claude"\n${readFileSync(config, "utf8")}`);
    const claudeMode = runCli(["doctor", "-w", root], { env });
    expect(claudeMode.status).toBe(1);
    expect(claudeMode.stdout).toContain(
      "error: mode_runner_unavailable none cannot run mode default_claude: claude_code: the Claude Code executable claude was not found on PATH",
    );
  });

  it("workspace errors exit 1 with one line per problem plus its hint; doctor never writes", () => {
    const root = healthyWorkspace();
    const rt = path.join(root, "millrace-agents");
    rmSync(path.join(rt, "outline.md"));
    writeFileSync(path.join(rt, "state", "runtime_daemon.lock.json"), "{");
    const before = hashTree(root);
    const env = { PATH: fakeCodexBin(), HOME: tempDir(), CODEX_API_KEY: "sk-fake-000" };
    const run = runCli(["doctor", "-w", root], { env });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("ok: false\nerrors: 2\n");
    expect(run.stdout).toContain(
      "error: missing_file millrace-agents/outline.md file millrace-agents/outline.md is missing\n  hint: ",
    );
    expect(run.stdout).toContain(
      "error: runtime_ownership_lock_invalid millrace-agents/state/runtime_daemon.lock.json",
    );
    const json = runCli(["doctor", "-w", root, "--json"], { env });
    expect(json.status).toBe(1);
    const report = FullDoctorReportSchema.parse(json.json());
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => c.status === "error").map((c) => [c.group, c.code])).toEqual([
      ["workspace", "missing_file"],
      ["lock", "runtime_ownership_lock_invalid"],
    ]);
    expect(hashTree(root)).toBe(before);
  });

  it("an uninitialized folder reports workspace_not_initialized and exits 1", () => {
    const run = runCli(["doctor", "-w", tempDir()]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("error: workspace_not_initialized");
  });
});
