// The published shape, end to end: `scripts/pack-cli.mjs` (what `pnpm pack:cli` runs) packs the CLI
// and every @millrace package it needs with `pnpm pack` (which turns `workspace:*` and `catalog:`
// into real versions); the tarballs are installed with plain `npm i -g --prefix` from an empty
// folder, and the installed `millrace` binary is run from there. `npx --package` runs them without
// installing. Third-party dependencies (zod, yargs, ...) come from the npm registry.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script, typed by its use here.
import { npmEnv } from "../../../scripts/lib/npm-env.mjs";
// @ts-expect-error: a plain .mjs script, typed by its use here.
import { packCli } from "../../../scripts/pack-cli.mjs";
import { tempDir } from "./helpers.js";
import { takeScriptLog, writeScriptLogPreload } from "./script-log.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

let scratch = "";
let project = "";
let prefix = "";
let bin = "";
let tarballs: string[] = [];
let installOutput = "";

function run(command: string, args: string[], cwd: string, timeout = 120_000) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout,
    env: {
      ...(npmEnv(process.env) as NodeJS.ProcessEnv),
      NO_COLOR: "1",
      npm_config_update_notifier: "false",
    },
  });
  return {
    status: result.status,
    stdout: result.stdout ?? "",
    stderr: result.stderr ?? "",
    error: result.error,
  };
}

/** Runs the installed binary the way a user's shell would: <prefix>/bin/millrace. */
function millrace(args: string[]) {
  return run(bin, args, project);
}

beforeAll(() => {
  scratch = tempDir("millrace-pack-install-");
  tarballs = (packCli as (destination: string) => string[])(path.join(scratch, "tarballs"));
  project = path.join(scratch, "project");
  mkdirSync(project);
  prefix = path.join(scratch, "global");
  const install = run(
    "npm",
    ["i", "-g", "--prefix", prefix, "--no-audit", "--no-fund", "--ignore-scripts", ...tarballs],
    project,
    600_000,
  );
  installOutput = install.stdout + install.stderr;
  if (install.status !== 0) throw new Error(`npm i -g failed: ${install.stderr}${install.error ?? ""}`);
  bin = path.join(prefix, "bin", "millrace");
}, 660_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("npm i -g --prefix of the packed tarballs", () => {
  it("installs a millrace binary with real dependency versions, quietly", () => {
    expect(path.basename(tarballs[0] ?? "")).toMatch(/^millrace-\d+\.\d+\.\d+\.tgz$/);
    expect(existsSync(bin)).toBe(true);
    const modules = path.join(prefix, "lib", "node_modules");
    const manifest = JSON.parse(readFileSync(path.join(modules, "millrace", "package.json"), "utf8"));
    expect(JSON.stringify(manifest.dependencies)).not.toMatch(/workspace:|catalog:/);
    expect(existsSync(path.join(modules, "@millrace", "workspace", "assets"))).toBe(true);
    // pnpm's own settings (catalog, reporter, ...) no longer leak into npm as env config.
    expect(installOutput).not.toContain("Unknown env config");
    for (const args of [["--version"], ["-v"], ["version"]]) {
      const version = millrace(args);
      expect(version.status).toBe(0);
      expect(version.stdout).toBe(`millrace ${manifest.version}\n`);
    }
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

  it("answers the hot commands from the installed package with the code cache it ships", () => {
    const dist = path.join(prefix, "lib", "node_modules", "millrace", "dist");
    expect(millrace(["init", "hot-ws"]).status).toBe(0);
    const log = path.join(scratch, "scripts.txt");
    const preload = writeScriptLogPreload(scratch);
    for (const [command, args] of [
      ["status", ["status", "--json"]],
      ["queue", ["queue", "ls", "--json"]],
      ["runs", ["runs", "ls"]],
      ["supervisor", ["supervisor", "report", "--json"]],
    ] as const) {
      expect(existsSync(path.join(dist, `hot-${command}.v8cache`))).toBe(true);
      const result = spawnSync(
        process.execPath,
        ["-r", preload, path.join(dist, "bin.cjs"), ...args, "-w", "hot-ws"],
        { cwd: project, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", SCRIPT_LOG: log } },
      );
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const scripts = takeScriptLog(log).filter((entry) => "script" in entry);
      expect(scripts.length).toBeGreaterThan(1);
      for (const script of scripts) expect(script).toMatchObject({ cached: true, rejected: false });
    }
  });

  it("serves the dashboard from the installed package (its bundle ships inside it)", async () => {
    const modules = path.join(prefix, "lib", "node_modules");
    expect(existsSync(path.join(modules, "millrace", "dist", "web", "index.html"))).toBe(true);
    const child = spawn(bin, ["serve", "-w", "repo", "--port", "0", "--json"], {
      cwd: project,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk) => {
        out += chunk;
        if (out.includes("\n")) resolve(out.split("\n")[0] as string);
      });
      child.on("exit", (code) => reject(new Error(`serve exited ${code}`)));
    });
    const { url } = JSON.parse(line) as { url: string };
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1] as string;
    expect((await fetch(new URL(script, url))).status).toBe(200);
    expect((await fetch(new URL("api/w/repo/status", url))).status).toBe(200);
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
  }, 60_000);

  it("runs from the tarballs with npx --package, without installing", () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO, "apps", "cli", "package.json"), "utf8"));
    const npx = run(
      "npx",
      ["--yes", ...tarballs.flatMap((tarball) => ["--package", tarball]), "millrace", "--version"],
      project,
      600_000,
    );
    expect(npx.stderr).not.toContain("Unknown env config");
    expect(npx.status, npx.stderr).toBe(0);
    expect(npx.stdout).toBe(`millrace ${manifest.version}\n`);
  }, 600_000);
});
