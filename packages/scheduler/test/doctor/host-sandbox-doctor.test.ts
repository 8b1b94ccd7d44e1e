import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FAKE_CODEX_PATH } from "@millrace/runners/testing";
import { initWorkspace } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { runFullDoctor } from "../../src/doctor/index.js";

/** A PATH folder whose `codex` is the fake CLI (which answers `codex sandbox -- CMD` like 0.169). */
function fakeBin(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "millrace-sandbox-bin-"));
  const file = path.join(dir, "codex");
  writeFileSync(
    file,
    `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "codex-cli 0.169.0"; exit 0; fi\nexec "${process.execPath}" "${FAKE_CODEX_PATH}" "$@"\n`,
  );
  chmodSync(file, 0o755);
  return dir;
}

/** Fake `/proc` and `/sys` files of a container without seccomp, Landlock or user namespaces. */
function bareKernel(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-sandbox-root-"));
  const files = {
    "proc/self/status": "Name:\tnode\n",
    "sys/kernel/security/lsm": "capability\n",
    "proc/sys/user/max_user_namespaces": "0\n",
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

function workspace(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-sandbox-doctor-"));
  initWorkspace(root);
  return root;
}

const HOME = () => mkdtempSync(path.join(os.tmpdir(), "millrace-sandbox-home-"));

describe("doctor: can Codex's own sandbox run on this host", () => {
  it("says so when the installed codex's self-check passes", async () => {
    const report = await runFullDoctor(workspace(), {
      env: { PATH: fakeBin(), HOME: HOME(), OPENAI_API_KEY: "sk-fake" },
      queueChecks: false,
    });
    const found = report.checks.find((c) => c.code.startsWith("runner_sandbox_"));
    expect(found).toMatchObject({ code: "runner_sandbox_ok", status: "ok" });
    expect(found?.message).toContain("codex: its sandbox works on this host");
  });

  it("reports an error with the reason and a hint where the sandbox cannot run", async () => {
    const report = await runFullDoctor(workspace(), {
      env: {
        PATH: fakeBin(),
        HOME: HOME(),
        OPENAI_API_KEY: "sk-fake",
        FAKE_CODEX_SANDBOX: "fail",
        MILLRACE_SANDBOX_PROBE_ROOT: bareKernel(),
      },
      queueChecks: false,
    });
    const found = report.checks.find((c) => c.code.startsWith("runner_sandbox_"));
    expect(found).toMatchObject({ code: "runner_sandbox_unavailable", status: "error" });
    expect(found?.message).toContain("landlock_restrict_self: Operation not permitted");
    expect(found?.message).toContain("kernel: seccomp no, landlock no, user namespaces no");
    expect(found?.hint).toContain("[execution_capabilities.defaults]");
    expect(report.ok).toBe(false);
  });

  it("falls back to the kernel facts when codex has no self-check; skips the probe when probes are off", async () => {
    const env = {
      PATH: fakeBin(),
      HOME: HOME(),
      OPENAI_API_KEY: "sk-fake",
      FAKE_CODEX_SANDBOX: "missing",
      MILLRACE_SANDBOX_PROBE_ROOT: bareKernel(),
    };
    const report = await runFullDoctor(workspace(), { env, queueChecks: false });
    const found = report.checks.find((c) => c.code.startsWith("runner_sandbox_"));
    expect(found?.code).toBe("runner_sandbox_unavailable");
    expect(found?.message).toContain("this codex has no `sandbox` self-check");
    const quick = await runFullDoctor(workspace(), { env, queueChecks: false, probeVersions: false });
    expect(quick.checks.some((c) => c.code.startsWith("runner_sandbox_"))).toBe(false);
  });
});
