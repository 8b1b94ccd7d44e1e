#!/usr/bin/env node
// Build step after bundle.mjs: writes each hot bundle's V8 code cache, dist/hot-<command>.v8cache
// (src/code-cache-file.ts), which src/fast.ts hands to the loader (src/cached-script-loader.ts).
//
// A cache made right after compiling holds only the functions V8 compiles eagerly; one made after
// the code has run also holds every function that ran. So each command runs first, in a fresh
// node process with no flags (V8 refuses a cache made under other flags), against a scratch
// workspace made here: its usual invocations (text and JSON) and one failure (a missing workspace,
// which loads the error path). Its output is discarded. Then the process writes the cache of every
// chunk it loaded, to a temporary name renamed into place.
//
//   node scripts/hot-code-cache.mjs            all hot bundles (the build runs this)
//   node scripts/hot-code-cache.mjs --warm X W one bundle, on workspace W (the child process)
import { spawnSync } from "node:child_process";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, "..", "dist");

/** The invocations run before the cache is taken, per hot bundle (each also gets `-w <scratch>`). */
const WARM_UP = {
  status: [["status"], ["status", "--json"]],
  queue: [
    ["queue", "ls"],
    ["queue", "ls", "--json"],
    ["queue", "ls", "--summary"],
  ],
  runs: [
    ["runs", "ls"],
    ["runs", "ls", "--json", "--limit", "20"],
  ],
  supervisor: [
    ["supervisor", "report"],
    ["supervisor", "report", "--json"],
  ],
};

function run(args, options = {}) {
  const env = { ...process.env, NO_COLOR: "1" };
  // The cache must be made under the flags the CLI runs with: none.
  delete env.NODE_OPTIONS;
  const result = spawnSync(process.execPath, args, { encoding: "utf8", env, ...options });
  if (result.status !== 0) {
    throw new Error(`hot-code-cache: node ${args.join(" ")} exited ${result.status}\n${result.stderr}`);
  }
  return result;
}

async function warm(command, workspace) {
  const { loadHotBundle } = await import("../dist/cached-script-loader.js");
  const { encodeCodeCache } = await import("../dist/code-cache-file.js");
  const { parseFastPath } = await import("../dist/fast-path.js");
  const chunks = [];
  const hot = loadHotBundle(dist, `hot-${command}.cjs`, {
    resolve: (specifier) => import.meta.resolve(specifier),
    onScript: (name, script, source) => chunks.push({ name, script, source }),
  });
  const invocations = WARM_UP[command].map((argv) => [...argv, "-w", workspace]);
  invocations.push([...WARM_UP[command][0], "-w", path.join(workspace, "no-such-workspace")]);
  for (const argv of invocations) {
    const fast = parseFastPath(argv);
    if (!fast) throw new Error(`hot-code-cache: not a fast-path invocation: ${argv.join(" ")}`);
    await hot.runHot(fast, false, argv.includes("--json"));
  }
  const file = path.join(dist, `hot-${command}.v8cache`);
  const temp = `${file}.${process.pid}.tmp`;
  const data = chunks.map(({ name, script, source }) => ({ name, source, data: script.createCachedData() }));
  writeFileSync(temp, encodeCodeCache(data));
  renameSync(temp, file);
}

async function main() {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "millrace-code-cache-"));
  try {
    const workspace = path.join(scratch, "ws");
    const bin = path.join(dist, "bin.cjs");
    run([bin, "init", workspace]);
    for (const title of ["Warm the cache", "Another task"]) run([bin, "add-task", title, "-w", workspace]);
    run([bin, "compile", "validate", "-w", workspace]);
    for (const command of Object.keys(WARM_UP)) {
      run([fileURLToPath(import.meta.url), "--warm", command, workspace], {
        stdio: ["ignore", "ignore", "pipe"],
      });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--warm") await warm(process.argv[3], process.argv[4]);
else await main();
