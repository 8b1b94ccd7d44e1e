// The published shape, end to end: pack the CLI and every @millrace package it needs with
// `pnpm pack` (which turns `workspace:*` into real versions), install the tarballs with plain
// `npm install` into an empty folder, and run the installed `millrace` binary from there.
// Third-party dependencies (zod, yargs, ...) come from the npm registry. One install for the file.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const PACKAGES = [
  "packages/contracts",
  "packages/workspace",
  "packages/queue-store",
  "packages/compiler",
  "packages/runners",
  "packages/governance",
  "packages/scheduler",
  "apps/cli",
];

let scratch = "";
let project = "";
let bin = "";

function run(command: string, args: string[], cwd: string, timeout = 120_000) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout,
    env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false" },
  });
  return {
    status: result.status,
    stdout: result.stdout ?? "",
    stderr: result.stderr ?? "",
    error: result.error,
  };
}

/** Runs the installed binary the way a user's shell would: node_modules/.bin/millrace. */
function millrace(args: string[]) {
  return run(bin, args, project);
}

beforeAll(() => {
  scratch = tempDir("millrace-pack-install-");
  const tarballs = path.join(scratch, "tarballs");
  mkdirSync(tarballs);
  for (const pkg of PACKAGES) {
    const packed = run("pnpm", ["pack", "--pack-destination", tarballs], path.join(REPO, pkg));
    if (packed.status !== 0)
      throw new Error(`pnpm pack failed in ${pkg}: ${packed.stderr}${packed.error ?? ""}`);
  }
  project = path.join(scratch, "project");
  mkdirSync(project);
  const files = readdirSync(tarballs)
    .filter((file) => file.endsWith(".tgz"))
    .map((file) => path.join(tarballs, file));
  const install = run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--loglevel=error", "--ignore-scripts", ...files],
    project,
    600_000,
  );
  if (install.status !== 0) throw new Error(`npm install failed: ${install.stderr}${install.error ?? ""}`);
  bin = path.join(project, "node_modules", ".bin", "millrace");
}, 660_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("npm install of the packed tarballs", () => {
  it("installs a millrace binary with real dependency versions, not workspace: ranges", () => {
    expect(existsSync(bin)).toBe(true);
    const manifest = JSON.parse(
      readFileSync(path.join(project, "node_modules", "millrace", "package.json"), "utf8"),
    );
    expect(JSON.stringify(manifest.dependencies)).not.toMatch(/workspace:|catalog:/);
    expect(existsSync(path.join(project, "node_modules", "@millrace", "workspace", "assets"))).toBe(true);
    const version = millrace(["version"]);
    expect(version.status).toBe(0);
    expect(version.stdout).toBe(`millrace ${manifest.version}\n`);
  });

  it("runs init, demo and doctor from the installed package", () => {
    const init = millrace(["init", "repo"]);
    expect(init.stderr).toBe("");
    expect(init.status).toBe(0);
    expect(init.stdout).toContain(`workspace: ${path.join(project, "repo")}`);
    expect(init.stdout).toContain("initialized: true");
    expect(existsSync(path.join(project, "repo", "millrace-agents", "millrace.toml"))).toBe(true);

    const demo = millrace(["demo", "demo-ws"]);
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain(`demo workspace: ${path.join(project, "demo-ws")}`);

    const doctor = millrace(["doctor", "-w", "demo-ws", "--json"]);
    expect(doctor.status).toBe(0);
    const report = JSON.parse(doctor.stdout) as { ok: boolean; errors: number };
    expect(report.ok).toBe(true);
    expect(report.errors).toBe(0);
  });
});
