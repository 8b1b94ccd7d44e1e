import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { probeCodexSandbox, readHostSandboxFacts } from "../src/index.js";
import { FAKE_CODEX_PATH } from "../src/testing/index.js";

/** A fake `/` holding only the files the probe reads. */
function fakeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-probe-root-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

const CAPABLE = {
  "proc/self/status": "Name:\tnode\nSeccomp:\t0\nSeccomp_filters:\t0\n",
  "sys/kernel/security/lsm": "lockdown,capability,landlock,yama,apparmor\n",
  "proc/sys/user/max_user_namespaces": "63000\n",
};
const BARE = {
  "proc/self/status": "Name:\tnode\nNoNewPrivs:\t0\n",
  "sys/kernel/security/lsm": "capability,yama\n",
  "proc/sys/user/max_user_namespaces": "0\n",
};

function fakeCodex(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "millrace-probe-bin-"));
  const file = path.join(dir, "codex");
  writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${FAKE_CODEX_PATH}" "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

describe("host sandbox facts", () => {
  it("reads seccomp, landlock and user namespaces from /proc and /sys", () => {
    expect(readHostSandboxFacts(fakeRoot(CAPABLE))).toEqual({
      seccomp: true,
      landlock: true,
      userNamespaces: true,
    });
    expect(readHostSandboxFacts(fakeRoot(BARE))).toEqual({
      seccomp: false,
      landlock: false,
      userNamespaces: false,
    });
    expect(
      readHostSandboxFacts(fakeRoot({ "proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1\n" })),
    ).toEqual({ seccomp: null, landlock: null, userNamespaces: false });
    expect(readHostSandboxFacts(fakeRoot({}))).toEqual({
      seccomp: null,
      landlock: null,
      userNamespaces: null,
    });
  });
});

describe("probeCodexSandbox", () => {
  const command = fakeCodex();

  it("works when the installed codex's `sandbox -- /bin/true` self-check passes", () => {
    const probe = probeCodexSandbox({ command, env: { PATH: process.env.PATH }, root: fakeRoot(CAPABLE) });
    expect(probe).toMatchObject({ verdict: "works", method: "self_check" });
  });

  it("is unavailable when the self-check fails, quoting codex and the kernel facts", () => {
    const probe = probeCodexSandbox({
      command,
      env: { PATH: process.env.PATH, FAKE_CODEX_SANDBOX: "fail" },
      root: fakeRoot(BARE),
    });
    expect(probe.verdict).toBe("unavailable");
    expect(probe.method).toBe("self_check");
    expect(probe.reason).toContain("landlock_restrict_self: Operation not permitted");
    expect(probe.reason).toContain("kernel: seccomp no, landlock no, user namespaces no");
  });

  it("without a self-check (or a codex at all), decides from the kernel facts, or says it cannot tell", () => {
    const env = { PATH: process.env.PATH, FAKE_CODEX_SANDBOX: "missing" };
    const bare = probeCodexSandbox({ command, env, root: fakeRoot(BARE) });
    expect(bare).toMatchObject({ verdict: "unavailable", method: "kernel_features" });
    expect(bare.reason).toMatch(/^this codex has no `sandbox` self-check; kernel: seccomp no/);
    const capable = probeCodexSandbox({ command, env, root: fakeRoot(CAPABLE) });
    expect(capable).toMatchObject({ verdict: "unknown", method: "kernel_features" });
    const absent = probeCodexSandbox({ command: "/nonexistent/codex", env, root: fakeRoot({}) });
    expect(absent.verdict).toBe("unknown");
    expect(absent.reason).toContain("could not be started (ENOENT)");
  });
});
