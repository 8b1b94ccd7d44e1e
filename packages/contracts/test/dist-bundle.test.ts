import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import * as source from "../src/index.js";

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST = path.join(PACKAGE, "dist");
const SCRIPT = path.join(PACKAGE, "..", "..", "scripts", "bundle-package-dist.mjs");

/** Runs a module script in a child node process and returns what it printed as JSON. */
function runNode(script: string): unknown {
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout);
}

const url = (file: string) => JSON.stringify(pathToFileURL(file).href);

describe("the built package is one bundle per entry point (scripts/bundle-package-dist.mjs)", () => {
  it("dist/index.js exports exactly what src/index.ts exports", () => {
    const names = runNode(
      `console.log(JSON.stringify(Object.keys(await import(${url(path.join(DIST, "index.js"))})).sort()))`,
    );
    expect(names).toEqual(Object.keys(source).sort());
  });

  it("dist holds only the entry points and their shared chunks as JavaScript", () => {
    const manifest = JSON.parse(readFileSync(path.join(PACKAGE, "package.json"), "utf8"));
    const entries = Object.values(manifest.exports as Record<string, { import?: string }>)
      .map((value) => value.import)
      .filter((file): file is string => typeof file === "string")
      .map((file) => path.basename(file));
    const js = readdirSync(DIST, { recursive: true, encoding: "utf8" }).filter((file) =>
      file.endsWith(".js"),
    );
    expect(js.filter((file) => !entries.includes(file) && !/^chunk-[\w-]+\.js$/.test(file))).toEqual([]);
    expect(entries.every((file) => js.includes(file))).toBe(true);
  });

  it("a subpath entry and the main entry share one copy of each module", () => {
    const same = runNode(`
      const index = await import(${url(path.join(DIST, "index.js"))});
      const text = await import(${url(path.join(DIST, "terminal-text.js"))});
      const oneShot = await import(${url(path.join(DIST, "one-shot-parsing.js"))});
      console.log(JSON.stringify([index.findControlChar === text.findControlChar, index.useOneShotParsing === oneShot.useOneShotParsing]));
    `);
    expect(same).toEqual([true, true]);
  });

  it("bundles a package's entries with shared modules once, and replaces tsc's per-file output", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "millrace-bundle-dist-"));
    mkdirSync(path.join(dir, "dist", "nested"), { recursive: true });
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({
        name: "x",
        type: "module",
        exports: { ".": { import: "./dist/index.js" }, "./extra": { import: "./dist/extra.js" } },
      }),
    );
    writeFileSync(
      path.join(dir, "dist", "nested", "counter.js"),
      "export let count = 0;\nexport function bump() { count += 1; return count; }\n",
    );
    writeFileSync(
      path.join(dir, "dist", "index.js"),
      'export { bump } from "./nested/counter.js";\nexport { basename } from "node:path";\n',
    );
    writeFileSync(
      path.join(dir, "dist", "extra.js"),
      'import { bump } from "./nested/counter.js";\nexport const bumpTwice = () => (bump(), bump());\n',
    );
    writeFileSync(path.join(dir, "dist", "index.d.ts"), "export declare function bump(): number;\n");
    const run = spawnSync(process.execPath, [SCRIPT, dir], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const files = readdirSync(path.join(dir, "dist"), { recursive: true, encoding: "utf8" }).sort();
    expect(files.filter((file) => file.endsWith(".js") && !file.startsWith("chunk-"))).toEqual([
      "extra.js",
      "index.js",
    ]);
    expect(files).toContain("index.d.ts");
    expect(files.some((file) => file.startsWith("nested") && file.endsWith(".js"))).toBe(false);
    const counts = runNode(`
      const index = await import(${url(path.join(dir, "dist", "index.js"))});
      const extra = await import(${url(path.join(dir, "dist", "extra.js"))});
      console.log(JSON.stringify([extra.bumpTwice(), index.bump(), index.basename("/a/b")]));
    `);
    expect(counts).toEqual([2, 3, "b"]);
  });

  it("refuses a package that is not built, with one line and a hint, and changes nothing", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "millrace-bundle-dist-"));
    mkdirSync(path.join(dir, "dist"));
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "x", exports: { ".": { import: "./dist/index.js" } } }),
    );
    writeFileSync(path.join(dir, "dist", "other.js"), "export const a = 1;\n");
    const run = spawnSync(process.execPath, [SCRIPT, dir], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr.split("\n")[0]).toBe("bundle-package-dist: dist/index.js is missing");
    expect(run.stderr).toMatch(/^hint: /m);
    expect(readdirSync(path.join(dir, "dist"))).toEqual(["other.js"]);
  });

  it("keeps an entry's path inside dist/ and bundles an extra entry named with --entry", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "millrace-bundle-dist-"));
    mkdirSync(path.join(dir, "dist", "tools"), { recursive: true });
    mkdirSync(path.join(dir, "dist", "proc"), { recursive: true });
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({
        name: "x",
        type: "module",
        exports: { ".": { import: "./dist/index.js" }, "./tools": { import: "./dist/tools/index.js" } },
      }),
    );
    writeFileSync(path.join(dir, "dist", "shared.js"), "export const where = () => import.meta.url;\n");
    writeFileSync(path.join(dir, "dist", "index.js"), 'export { where } from "./shared.js";\n');
    writeFileSync(
      path.join(dir, "dist", "tools", "index.js"),
      'export { where } from "../shared.js";\nexport const here = import.meta.url;\n',
    );
    writeFileSync(
      path.join(dir, "dist", "proc", "main.js"),
      'import { where } from "../shared.js";\nconsole.log(JSON.stringify(where() !== ""));\n',
    );
    const run = spawnSync(process.execPath, [SCRIPT, "--entry", "proc/main", dir], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const js = readdirSync(path.join(dir, "dist"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".js") && !file.startsWith("chunk-"))
      .sort();
    expect(js).toEqual(["index.js", path.join("proc", "main.js"), path.join("tools", "index.js")]);
    const here = runNode(
      `console.log(JSON.stringify((await import(${url(path.join(dir, "dist", "tools", "index.js"))})).here))`,
    );
    expect(here).toBe(pathToFileURL(path.join(dir, "dist", "tools", "index.js")).href);
    const proc = spawnSync(process.execPath, [path.join(dir, "dist", "proc", "main.js")], {
      encoding: "utf8",
    });
    expect(proc.stdout.trim()).toBe("true");
  });

  it("refuses a wildcard export, a path out of dist/ and an unknown option", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "millrace-bundle-dist-"));
    mkdirSync(path.join(dir, "dist"));
    writeFileSync(path.join(dir, "dist", "index.js"), "export const a = 1;\n");
    const exportsWith = (target: string) =>
      writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({
          name: "x",
          exports: { ".": { import: "./dist/index.js" }, "./more": { import: target } },
        }),
      );
    exportsWith("./dist/*.js");
    let run = spawnSync(process.execPath, [SCRIPT, dir], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/exports\["\.\/more"\]: \* does not name one file inside dist\//);
    exportsWith("./dist/../secret.js");
    run = spawnSync(process.execPath, [SCRIPT, dir], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/does not name one file inside dist\//);
    run = spawnSync(process.execPath, [SCRIPT, "--minify", dir], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr.split("\n")[0]).toBe("bundle-package-dist: unknown option --minify");
    run = spawnSync(process.execPath, [SCRIPT, dir, "--entry"], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(readdirSync(path.join(dir, "dist"))).toEqual(["index.js"]);
  });
});
