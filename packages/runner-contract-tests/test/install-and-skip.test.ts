// The suite's own plumbing: pinned versions really installed, the install script's
// registry-unreachable path (the only accepted skip), and a missing CLI failing instead of skipping.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI_PINS, type CliId, cliCommand, PACKAGE_ROOT } from "../src/clis.js";
import { SKIP_CONTRACT } from "./contract-setup.js";

const scratch: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "millrace-contract-meta-"));
  scratch.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs one contract test file in a child vitest with the CLI cache pointed at `clisDir`. */
function runVitestWith(clisDir: string, file: string) {
  return spawnSync(
    process.execPath,
    [path.join(PACKAGE_ROOT, "node_modules/vitest/vitest.mjs"), "run", file],
    {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, MILLRACE_CONTRACT_CLIS_DIR: clisDir, NO_COLOR: "1", FORCE_COLOR: "0" },
      encoding: "utf8",
      timeout: 120_000,
    },
  );
}

describe.skipIf(SKIP_CONTRACT)("pinned CLIs", () => {
  it.each(Object.keys(CLI_PINS) as CliId[])("%s --version prints the pinned version", (id) => {
    const [command, ...args] = cliCommand(id);
    const result = spawnSync(command as string, [...args, "--version"], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", HOME: tempDir(), PI_OFFLINE: "1" },
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    // Pi prints its version on stderr; Codex may add a warning line there.
    const lines = `${result.stdout}\n${result.stderr}`.split("\n").map((line) => line.trim());
    expect(lines).toContain(CLI_PINS[id].versionLine);
  });
});

describe("install-clis and the skip rule", () => {
  it("records an unreachable registry and exits 0, so the suite skips loudly", () => {
    const dir = tempDir();
    const clisDir = path.join(dir, "clis");
    const result = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, "scripts/install-clis.mjs")], {
      env: {
        ...process.env,
        MILLRACE_CONTRACT_CLIS_DIR: clisDir,
        MILLRACE_CONTRACT_FETCH_RETRIES: "0",
        npm_config_cache: path.join(dir, "npm-cache"),
        npm_config_registry: "http://127.0.0.1:9/",
      },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain("THE NPM REGISTRY IS UNREACHABLE (ECONNREFUSED)");
    expect(readFileSync(path.join(clisDir, "registry-unreachable"), "utf8")).toMatch(/^ECONNREFUSED after /);
    expect(existsSync(path.join(clisDir, "node_modules", "@openai", "codex"))).toBe(false);
  });

  it("skips every contract case, with the reason in the output, when the marker is present", () => {
    const clisDir = path.join(tempDir(), "clis");
    mkdirSync(clisDir, { recursive: true });
    writeFileSync(path.join(clisDir, "registry-unreachable"), "ECONNREFUSED after 1.0 s\n");
    const result = runVitestWith(clisDir, "test/codex-raw.test.ts");
    const output = `${result.stdout}${result.stderr}`;
    expect(result.status, output).toBe(0);
    expect(output).toContain("SKIPPING RUNNER CONTRACT TESTS: the npm registry was unreachable");
    expect(output).toMatch(/1 skipped/);
  });

  it("fails, naming the install command, when a CLI is missing and the registry was reachable", () => {
    const clisDir = path.join(tempDir(), "clis");
    mkdirSync(clisDir, { recursive: true });
    const result = runVitestWith(clisDir, "test/codex-raw.test.ts");
    const output = `${result.stdout}${result.stderr}`;
    expect(result.status).toBe(1);
    expect(output).toContain("@openai/codex@0.169.0 is not installed in");
    expect(output).toContain("node scripts/install-clis.mjs");
  });
});
