import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir } from "./helpers.js";
import { type ScriptLogEntry, takeScriptLog, writeScriptLogPreload } from "./script-log.js";

// The hot bundles run with the V8 code cache the build writes beside them (dist/hot-*.v8cache,
// scripts/hot-code-cache.mjs). These tests run a copy of the built CLI (so that they can damage its
// caches without touching the build other tests use) and check that the cache is used when it is
// valid, ignored when it is damaged, missing or not for this V8, with the same output either way,
// and never read from anywhere but the CLI's own dist/.

const APP = path.resolve(path.dirname(CLI_BIN), "..");
let copy: string;
let dist: string;
let root: string;
let logDir: string;
let preload: string;

const COMMANDS: Record<string, string[]> = {
  status: ["status", "--json"],
  queue: ["queue", "ls", "--json"],
  runs: ["runs", "ls", "--limit", "5"],
  supervisor: ["supervisor", "report"],
};

/** Runs the copied CLI with the script log preloaded. */
function run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}) {
  const log = path.join(logDir, "scripts.txt");
  const result = spawnSync(
    process.execPath,
    [...(options.nodeArgs ?? []), "-r", preload, path.join(dist, "bin.cjs"), ...args],
    {
      cwd: options.cwd ?? logDir,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", SCRIPT_LOG: log, ...options.env },
      timeout: 60_000,
    },
  );
  const entries = takeScriptLog(log);
  const scripts = entries.filter(
    (entry): entry is Extract<ScriptLogEntry, { script: string }> => "script" in entry,
  );
  const opened = entries.flatMap((entry) => ("opened" in entry ? [entry.opened] : []));
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, scripts, opened };
}

/** The output with the clock fields masked (they differ between any two runs). */
/** Runs `args` again with the command's cache file removed: the same exit code, stdout and stderr. */
function expectSameWithoutCache(command: string, args: string[], cached: ReturnType<typeof run>) {
  withCacheFile(
    command,
    () => undefined,
    () => {
      const plain = run(args);
      expect(plain.status).toBe(cached.status);
      expect(plain.stdout).toBe(cached.stdout);
      expect(plain.stderr).toBe(cached.stderr);
    },
  );
}

function masked(text: string): string {
  return text
    .replace(/"(generated_at|updated_at|time_in_status_seconds)": [^,\n]+/g, '"$1": X')
    .replace(/^(updated_at|generated_at): .*$/gm, "$1: X");
}

function withCacheFile(command: string, edit: (bytes: Buffer) => Buffer | undefined, body: () => void) {
  const file = path.join(dist, `hot-${command}.v8cache`);
  const original = readFileSync(file);
  try {
    const edited = edit(Buffer.from(original));
    if (edited) writeFileSync(file, edited);
    else rmSync(file);
    body();
  } finally {
    writeFileSync(file, original);
  }
}

beforeAll(() => {
  // The copy's packages are one folder further up than an install puts them, so the bundles find
  // the packages' own files (baseline assets) through the resolver the loader hands them.
  copy = tempDir("millrace-code-cache-cli-");
  dist = path.join(copy, "app", "dist");
  mkdirSync(dist, { recursive: true });
  for (const name of readdirSync(path.join(APP, "dist"))) {
    if (/^(bin\.cjs|cli\.js|chunk-.*\.js|hot-.*)$/.test(name))
      copyFileSync(path.join(APP, "dist", name), path.join(dist, name));
  }
  copyFileSync(path.join(APP, "package.json"), path.join(copy, "app", "package.json"));
  symlinkSync(path.join(APP, "node_modules"), path.join(copy, "node_modules"), "dir");
  logDir = tempDir("millrace-code-cache-log-");
  preload = writeScriptLogPreload(logDir);
  root = tempDir();
  expect(runCli(["init", root]).status).toBe(0);
  expect(runCli(["add-task", "Cached", "-w", root]).status).toBe(0);
  expect(runCli(["compile", "validate", "-w", root]).status).toBe(0);
});

describe("the hot bundles' code cache", () => {
  it.each(Object.keys(COMMANDS))("is shipped for %s and taken by V8 for every chunk it runs", (command) => {
    const result = run([...(COMMANDS[command] as string[]), "-w", root]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.scripts.length).toBeGreaterThan(1);
    for (const script of result.scripts) {
      expect(path.dirname(script.script)).toBe(dist);
      expect(script).toMatchObject({ cached: true, rejected: false });
    }
    expect(result.opened).toEqual([path.join(dist, `hot-${command}.v8cache`)]);
  });

  it.each([
    [
      "a flipped byte",
      (bytes: Buffer) => {
        const at = bytes.length - 100;
        bytes[at] = (bytes[at] as number) ^ 0xff;
        return bytes;
      },
    ],
    ["a truncated file", (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length / 2))],
    [
      "another V8's cache",
      (bytes: Buffer) =>
        Buffer.from(
          bytes.toString("latin1").replace(`"v8":"${process.versions.v8}"`, '"v8":"0.0.0"'),
          "latin1",
        ),
    ],
    ["garbage", () => Buffer.from("garbage\n")],
    ["no file", () => undefined],
  ])("is ignored when damaged (%s): same output, no error", (_label, edit) => {
    const args = [...(COMMANDS.status as string[]), "-w", root];
    const good = run(args);
    withCacheFile("status", edit, () => {
      const bad = run(args);
      expect(bad.stderr).toBe("");
      expect(bad.status).toBe(good.status);
      expect(masked(bad.stdout)).toBe(masked(good.stdout));
      expect(bad.scripts.map((script) => script.script)).toEqual(good.scripts.map((script) => script.script));
      // The damaged part is not handed to V8 at all.
      expect(bad.scripts.some((script) => !script.cached)).toBe(true);
      expect(bad.scripts.every((script) => script.rejected !== true)).toBe(true);
    });
  });

  it("falls back to a plain compile when V8 refuses the cache (other flags): same output", () => {
    const args = [...(COMMANDS.supervisor as string[]), "--json", "-w", root];
    const good = run(args);
    const flagged = run(args, { nodeArgs: ["--stack-size=900"] });
    expect(flagged.stderr).toBe("");
    expect(flagged.status).toBe(good.status);
    expect(masked(flagged.stdout)).toBe(masked(good.stdout));
    expect(flagged.scripts.length).toBeGreaterThan(0);
    for (const script of flagged.scripts) expect(script).toMatchObject({ cached: true, rejected: true });
  });

  it("is read from the CLI's own dist/ only, never from the workspace, the folder or a temp dir", () => {
    const planted = readFileSync(path.join(dist, "hot-status.v8cache"));
    const elsewhere = tempDir("millrace-planted-");
    for (const folder of [root, path.join(root, "millrace-agents"), elsewhere])
      for (const name of ["hot-status.v8cache", "hot-queue.v8cache"])
        writeFileSync(path.join(folder, name), planted);
    for (const args of [COMMANDS.status as string[], COMMANDS.queue as string[]]) {
      const result = run([...args, "-w", root], { cwd: root, env: { TMPDIR: elsewhere, HOME: elsewhere } });
      expect(result.status).toBe(0);
      expect(result.opened.length).toBe(1);
      for (const file of result.opened) expect(path.dirname(file)).toBe(dist);
    }
  });

  it("answers as the build it was copied from, its packages' files found through the resolver", () => {
    for (const args of [
      ["status", "--json"],
      ["supervisor", "report", "--json"],
    ]) {
      const copied = run([...args, "-w", root]);
      const built = runCli([...args, "-w", root]);
      expect(copied.status).toBe(built.status);
      expect(masked(copied.stdout)).toBe(masked(built.stdout));
    }
    // The plan's currentness compares the baseline assets' fingerprint: found, and the right ones.
    expect(run(["status", "--json", "-w", root]).stdout).toMatch(
      /"compiled_plan_currentness": \{\s*"state": "current"/,
    );
  });

  it("reports a file-system error through the error path's lazily loaded chunk, cached or not", () => {
    const broken = tempDir();
    expect(runCli(["init", broken]).status).toBe(0);
    rmSync(path.join(broken, "millrace-agents", "state"), { recursive: true });
    writeFileSync(path.join(broken, "millrace-agents", "state"), "not a folder\n");
    const args = ["supervisor", "report", "--json", "-w", broken];
    const cached = run(args);
    expect(cached.status).toBe(1);
    expect(JSON.parse(cached.stdout).error.message).toContain("ENOTDIR");
    expectSameWithoutCache("supervisor", args, cached);
  });

  it("keeps error output and exit codes (a missing workspace) with and without the cache", () => {
    const args = [...(COMMANDS.queue as string[]), "-w", path.join(root, "missing")];
    const cached = run(args);
    expectSameWithoutCache("queue", args, cached);
    expect(cached.status).not.toBe(0);
    expect(JSON.parse(cached.stdout).error.code).toBeTruthy();
  });
});
