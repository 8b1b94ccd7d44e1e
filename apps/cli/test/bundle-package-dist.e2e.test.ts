// scripts/bundle-package-dist.mjs: every library package ships one bundle per entry point beside
// tsc's per-file output (node loads the bundle through `exports[...].import`; the CLI's own build
// reads the per-file output through the "millrace-per-file" condition). Checked on the built
// packages of this repository and on scratch packages, including refused input.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const SCRIPT = path.join(REPO, "scripts", "bundle-package-dist.mjs");
const PACKAGES = readdirSync(path.join(REPO, "packages"));

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** Runs a module script in a child node process (cwd `cwd`) and returns what it printed as JSON. */
function runNode(script: string, cwd = REPO): unknown {
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", cwd });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout);
}

const url = (file: string) => JSON.stringify(pathToFileURL(file).href);

type Exports = Record<string, string | Record<string, string>>;
const exportsOf = (dir: string): Exports =>
  JSON.parse(readFileSync(path.join(REPO, "packages", dir, "package.json"), "utf8")).exports;

/** A scratch package: its package.json and the files of its dist/. */
function scratchPackage(exports: Exports, dist: Record<string, string>): string {
  const dir = tempDir("millrace-bundle-dist-");
  roots.push(dir);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "x", type: "module", exports }));
  for (const [file, text] of Object.entries(dist)) {
    mkdirSync(path.dirname(path.join(dir, "dist", file)), { recursive: true });
    writeFileSync(path.join(dir, "dist", file), text);
  }
  return dir;
}

const entry = (name: string) => ({
  "millrace-per-file": `./dist/${name}.js`,
  import: `./dist/${name}.bundle.js`,
});
const bundle = (dir: string, ...extra: string[]) =>
  spawnSync(process.execPath, [SCRIPT, ...extra, dir], { encoding: "utf8" });
const jsFiles = (dir: string) =>
  readdirSync(path.join(dir, "dist"), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".js"))
    .sort();

describe("the built packages of this repository", () => {
  it.each(PACKAGES)("%s: each entry's bundle exports exactly what its per-file entry exports", (dir) => {
    const pairs = Object.values(exportsOf(dir)).filter((value) => typeof value === "object");
    expect(pairs.length).toBeGreaterThan(0);
    for (const value of pairs) {
      const perFile = path.join(REPO, "packages", dir, value["millrace-per-file"] as string);
      const bundled = path.join(REPO, "packages", dir, value.import as string);
      const [a, b] = runNode(
        `const keys = async (f) => Object.keys(await import(f)).sort();
         console.log(JSON.stringify([await keys(${url(perFile)}), await keys(${url(bundled)})]));`,
      ) as [string[], string[]];
      expect(b).toEqual(a);
      expect(a.length).toBeGreaterThan(0);
    }
  });

  it("node resolves each package to its bundle; its entries share one instance of each module", () => {
    const found = runNode(
      `const index = await import("@millrace/contracts");
       const text = await import("@millrace/contracts/terminal-text");
       const oneShot = await import("@millrace/contracts/one-shot-parsing");
       console.log(JSON.stringify([
         import.meta.resolve("@millrace/contracts"),
         index.findControlChar === text.findControlChar,
         index.useOneShotParsing === oneShot.useOneShotParsing,
       ]));`,
      path.join(REPO, "packages", "workspace"),
    );
    expect(found).toEqual([
      pathToFileURL(path.join(REPO, "packages/contracts/dist/index.bundle.js")).href,
      true,
      true,
    ]);
  });

  it("runners runs its scripted entry's bundle, and the bundle runs", () => {
    const entryPath = runNode(
      `console.log(JSON.stringify((await import("@millrace/runners")).SCRIPTED_ENTRY_PATH));`,
      path.join(REPO, "packages", "scheduler"),
    );
    expect(entryPath).toBe(path.join(REPO, "packages/runners/dist/scripted/entry.bundle.js"));
    // With no request on its command line the entry refuses, as tsc's copy does.
    const perFile = spawnSync(
      process.execPath,
      [path.join(REPO, "packages/runners/dist/scripted/entry.js")],
      {
        encoding: "utf8",
      },
    );
    const bundled = spawnSync(process.execPath, [entryPath as string], { encoding: "utf8" });
    expect(bundled.status).toBe(perFile.status);
    expect(bundled.stderr).toBe(perFile.stderr);
  });

  it("workspace's bundle finds the packaged baseline assets where tsc's output does", () => {
    const roots = runNode(
      `const root = async (f) => (await import(f)).packagedAssetsRoot();
       console.log(JSON.stringify([await root(${url(path.join(REPO, "packages/workspace/dist/index.js"))}), await root(${url(path.join(REPO, "packages/workspace/dist/index.bundle.js"))})]));`,
    );
    expect(roots).toEqual([
      path.join(REPO, "packages/workspace/assets"),
      path.join(REPO, "packages/workspace/assets"),
    ]);
  });
});

describe("scripts/bundle-package-dist.mjs on a scratch package", () => {
  it("writes one bundle per entry beside tsc's output, modules shared once, and replaces its previous bundles", () => {
    const dir = scratchPackage(
      { ".": entry("index"), "./extra": entry("extra") },
      {
        "nested/counter.js": "export let count = 0;\nexport function bump() { count += 1; return count; }\n",
        "index.js": 'export { bump } from "./nested/counter.js";\nexport { basename } from "node:path";\n',
        "extra.js":
          'import { bump } from "./nested/counter.js";\nexport const bumpTwice = () => (bump(), bump());\n',
        "index.d.ts": "export declare function bump(): number;\n",
        "bundle-chunk-stale.js": "export const stale = 1;\n",
        "old.bundle.js": "export const stale = 1;\n",
      },
    );
    const run = bundle(dir);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const js = jsFiles(dir);
    expect(js.filter((file) => !file.startsWith("bundle-chunk-"))).toEqual([
      "extra.bundle.js",
      "extra.js",
      "index.bundle.js",
      "index.js",
      path.join("nested", "counter.js"),
    ]);
    expect(js).not.toContain("bundle-chunk-stale.js");
    expect(readdirSync(path.join(dir, "dist"))).toContain("index.d.ts");
    const counts = runNode(`
      const index = await import(${url(path.join(dir, "dist", "index.bundle.js"))});
      const extra = await import(${url(path.join(dir, "dist", "extra.bundle.js"))});
      console.log(JSON.stringify([extra.bumpTwice(), index.bump(), index.basename("/a/b")]));
    `);
    expect(counts).toEqual([2, 3, "b"]);
  });

  it("keeps an entry's folder, and bundles an extra entry named with --entry", () => {
    const dir = scratchPackage(
      { ".": entry("index"), "./tools": entry("tools/index") },
      {
        "shared.js": "export const where = () => import.meta.url;\n",
        "index.js": 'export { where } from "./shared.js";\n',
        "tools/index.js": 'export { where } from "../shared.js";\nexport const here = import.meta.url;\n',
        "proc/main.js":
          'import { where } from "../shared.js";\nconsole.log(JSON.stringify(where() !== ""));\n',
      },
    );
    const run = bundle(dir, "--entry", "proc/main");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const tools = path.join(dir, "dist", "tools", "index.bundle.js");
    expect(runNode(`console.log(JSON.stringify((await import(${url(tools)})).here))`)).toBe(
      pathToFileURL(tools).href,
    );
    const proc = spawnSync(process.execPath, [path.join(dir, "dist", "proc", "main.bundle.js")], {
      encoding: "utf8",
    });
    expect(proc.stdout.trim()).toBe("true");
  });

  it.each([
    ["an unbuilt package", { ".": entry("index") }, [], "dist/index.js is missing"],
    [
      "an import that is not the bundle",
      { ".": { "millrace-per-file": "./dist/index.js", import: "./dist/index.js" } },
      [],
      'package.json: exports["."].import must be ./dist/index.bundle.js',
    ],
    [
      "the per-file condition after import",
      { ".": { import: "./dist/index.bundle.js", "millrace-per-file": "./dist/index.js" } },
      [],
      'package.json: exports["."]: "millrace-per-file" must come before "import"',
    ],
    [
      "an entry with no per-file target",
      { ".": entry("index"), "./more": { import: "./dist/more.js" } },
      [],
      'package.json: exports["./more"] has no "millrace-per-file" target',
    ],
    [
      "a wildcard export",
      { ".": entry("index"), "./more": { "millrace-per-file": "./dist/*.js", import: "./dist/*.bundle.js" } },
      [],
      'package.json: exports["./more"]: * does not name one file inside dist/',
    ],
    [
      "a path out of dist/",
      {
        ".": entry("index"),
        "./more": { "millrace-per-file": "./dist/../secret.js", import: "./dist/../secret.bundle.js" },
      },
      [],
      'package.json: exports["./more"]: ../secret does not name one file inside dist/',
    ],
    ["an unknown option", { ".": entry("index") }, ["--minify"], "unknown option --minify"],
    [
      "--entry with no name",
      { ".": entry("index") },
      ["--entry"],
      "--entry needs a name such as scripted/entry",
    ],
  ] as const)(
    "refuses %s with one line, a hint and exit 2, and changes nothing",
    (_what, exports, extra, message) => {
      const files: Record<string, string> =
        _what === "an unbuilt package"
          ? { "other.js": "export const a = 1;\n" }
          : { "index.js": "export const a = 1;\n" };
      const dir = scratchPackage(exports as Exports, files);
      const before = jsFiles(dir);
      const run = spawnSync(process.execPath, [SCRIPT, dir, ...extra], { encoding: "utf8" });
      expect(run.status).toBe(2);
      const [first, hint] = run.stderr.trim().split("\n");
      expect(first).toContain(`bundle-package-dist: ${message}`);
      expect(hint).toMatch(/^hint: /);
      expect(jsFiles(dir)).toEqual(before);
      expect(readdirSync(path.join(dir, "dist")).some((name) => name.startsWith(".bundle-"))).toBe(false);
    },
  );
});
