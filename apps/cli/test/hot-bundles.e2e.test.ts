import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir } from "./helpers.js";
import { takeScriptLog, writeScriptLogPreload } from "./script-log.js";

// The fast-path commands run from their own hot bundle (dist/hot-<command>.cjs, bundle.mjs): these
// tests check which of the CLI's files a process actually loads, through a module loader hook (the
// ES modules) and a preload that sees each vm.Script (the hot bundles' CommonJS chunks).

const DIST = path.dirname(CLI_BIN);
let hookDir: string;
let preload: string;
let root: string;

/** The dist/ files a run of the CLI loaded, by name, and its exit status. */
function loadedFiles(args: string[]): { files: string[]; status: number } {
  const result = spawnSync(
    process.execPath,
    ["-r", preload, "--import", pathToFileURL(path.join(hookDir, "register.mjs")).href, CLI_BIN, ...args],
    {
      encoding: "utf8",
      env: {
        ...process.env,
        NO_COLOR: "1",
        HOT_TEST_LOG: path.join(hookDir, "loaded.txt"),
        SCRIPT_LOG: path.join(hookDir, "scripts.txt"),
      },
      timeout: 60_000,
    },
  );
  const log = readFileSync(path.join(hookDir, "loaded.txt"), "utf8");
  writeFileSync(path.join(hookDir, "loaded.txt"), "");
  const files = log
    .split("\n")
    .filter((url) => url.startsWith(pathToFileURL(DIST).href))
    .map((url) => path.basename(new URL(url).pathname));
  for (const entry of takeScriptLog(path.join(hookDir, "scripts.txt"))) {
    if ("script" in entry && path.dirname(entry.script) === DIST) files.push(path.basename(entry.script));
  }
  return { files, status: result.status ?? -1 };
}

beforeAll(() => {
  hookDir = tempDir("millrace-hot-hook-");
  preload = writeScriptLogPreload(hookDir);
  writeFileSync(
    path.join(hookDir, "hook.mjs"),
    `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.HOT_TEST_LOG, resolved.url + "\\n");
  return resolved;
}
`,
  );
  writeFileSync(
    path.join(hookDir, "register.mjs"),
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(path.join(hookDir, "hook.mjs")).href)});\n`,
  );
  writeFileSync(path.join(hookDir, "loaded.txt"), "");
  root = tempDir();
  expect(runCli(["init", root]).status).toBe(0);
});

describe("the hot bundles", () => {
  it("are built, one per fast-path command, beside the main bundle", () => {
    const names = readdirSync(DIST);
    for (const command of ["status", "queue", "runs", "supervisor"])
      expect(names).toContain(`hot-${command}.cjs`);
    expect(names).toContain("bin.cjs");
  });

  it.each([
    ["status", ["status", "--json"]],
    ["queue", ["queue", "ls", "--json"]],
    ["runs", ["runs", "ls", "--limit", "5"]],
    ["supervisor", ["supervisor", "report", "--json"]],
  ])("answer %s from its own hot bundle only", (command, args) => {
    const { files, status } = loadedFiles([...args, "-w", root]);
    expect(status).toBe(0);
    expect(files).toContain(`hot-${command}.cjs`);
    const foreign = files.filter((name) => !(name === "bin.cjs" || name.startsWith(`hot-${command}`)));
    expect(foreign).toEqual([]);
  });

  it("leave every other command, and a fast-path command with other options, to the main bundle", () => {
    for (const args of [["queue", "show", "task-1"], ["status", "--help"], ["doctor"]]) {
      const { files } = loadedFiles([...args, "-w", root]);
      expect(files).toContain("cli.js");
      expect(files.filter((name) => name.startsWith("hot-"))).toEqual([]);
    }
  });

  it("report a bad workspace as the yargs route does (one error line with a hint, exit code kept)", () => {
    const missing = path.join(root, "no-such-workspace");
    const fast = runCli(["status", "-w", missing]);
    const slow = runCli(["status", "show", "-w", missing]);
    expect(fast.status).not.toBe(0);
    expect(fast.status).toBe(slow.status);
    expect(fast.stderr).toBe(slow.stderr);
    expect(fast.stderr).toMatch(/^error: .*\nhint: /);
    const json = runCli(["queue", "ls", "--json", "-w", missing]);
    expect(json.status).toBe(fast.status);
    expect(json.json<{ error: { code: string } }>().error.code).toBeTruthy();
  });
});
