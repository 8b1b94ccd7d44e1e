#!/usr/bin/env node
// Build step after `tsc` of a library package (contracts, workspace, compiler, queue-store):
// replaces the package's per-file JavaScript in dist/ by one bundle per entry point of package.json
// "exports" (dist/index.js, dist/terminal-text.js, …) plus the chunks they share, so that importing
// @millrace/contracts loads a few files instead of ~50. Loading a module costs a file resolution, a
// read, a parse and a link each; on a cold process that was about a tenth of a package's import
// CPU (docs/performance.md, issue 10). The entries share their modules through chunks (at the top
// of dist/), so each module exists once (one `useOneShotParsing`, one `MillraceError` class). Each
// entry keeps its path, so `import.meta.url` in an entry module still names the same folder; a
// module that is not an entry and locates files with it must look beside the bundle too (see
// runners' scripted/paths.ts). The types stay tsc's (dist/**/*.d.ts); dependencies stay external.
//
//   node ../../scripts/bundle-package-dist.mjs [--entry NAME]... [packageDir]
//   (packageDir defaults to the current folder, where a package's build script runs it; --entry adds
//   an entry point that is not in "exports", such as a file run as a process: --entry scripted/entry)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { build } from "rolldown";

/** Bad input (a bad option, the package is not built, or its exports name no single file): exit 2. */
class UsageError extends Error {}

const args = { dir: ".", entries: [] };
try {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === "--entry") {
      const name = argv[(i += 1)];
      if (!name || name.startsWith("-")) throw new UsageError("--entry needs a name such as scripted/entry");
      args.entries.push(name);
    } else if (argv[i].startsWith("-")) throw new UsageError(`unknown option ${argv[i]}`);
    else args.dir = argv[i];
  }
} catch (error) {
  fail(error);
}
const packageDir = path.resolve(args.dir);
const dist = path.join(packageDir, "dist");

/** A dist-relative entry name (no extension) that names one file inside dist/. */
function checkedName(name, what) {
  const normal = path.posix.normalize(name);
  if (name.includes("*") || normal !== name || name.startsWith("../") || path.posix.isAbsolute(name))
    throw new Error(`${what}: ${name} does not name one file inside dist/`);
  return name;
}

/** `{ name: dist file }` for every entry point of package.json "exports" built to dist/*.js. */
function entryPoints(manifest) {
  const entries = {};
  for (const [key, value] of Object.entries(manifest.exports ?? {})) {
    const target = typeof value === "string" ? value : value?.import;
    if (typeof target !== "string" || !target.startsWith("./dist/") || !target.endsWith(".js")) continue;
    const name = checkedName(target.slice("./dist/".length, -".js".length), `exports["${key}"]`);
    entries[name] = path.join(dist, `${name}.js`);
  }
  for (const extra of args.entries) entries[checkedName(extra, "--entry")] = path.join(dist, `${extra}.js`);
  if (!entries.index) throw new Error('package.json: exports["."].import must be ./dist/index.js');
  return entries;
}

/** Every file under `dir` whose name ends with one of `suffixes`. */
function filesUnder(dir, suffixes) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) found.push(...filesUnder(file, suffixes));
    else if (suffixes.some((suffix) => name.endsWith(suffix))) found.push(file);
  }
  return found;
}

async function main() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
  } catch (error) {
    throw new UsageError(`cannot read ${path.join(packageDir, "package.json")}: ${error.message}`);
  }
  let input;
  try {
    input = entryPoints(manifest);
  } catch (error) {
    throw new UsageError(error.message);
  }
  for (const [name, file] of Object.entries(input)) {
    if (!statSync(file, { throwIfNoEntry: false })?.isFile())
      throw new UsageError(`dist/${name}.js is missing`);
  }
  // Bundle into a scratch folder inside dist/ first, so that a failure leaves tsc's output as it was.
  const scratch = mkdtempSync(path.join(dist, ".bundle-"));
  try {
    await build({
      input,
      // Only this package's own modules are bundled; every package it depends on stays an import.
      external: (id) => !id.startsWith(".") && !path.isAbsolute(id),
      logLevel: "warn",
      output: { dir: scratch, format: "esm", entryFileNames: "[name].js", chunkFileNames: "chunk-[hash].js" },
    });
    const stale = filesUnder(dist, [".js", ".js.map"]).filter((file) => !file.startsWith(scratch + path.sep));
    const bundled = filesUnder(scratch, [".js", ".js.map"]);
    const targets = new Set(bundled.map((file) => path.join(dist, path.relative(scratch, file))));
    for (const file of stale) if (!targets.has(file)) rmSync(file);
    for (const file of bundled) {
      const target = path.join(dist, path.relative(scratch, file));
      mkdirSync(path.dirname(target), { recursive: true });
      renameSync(file, target);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(
    `bundled ${Object.keys(input).length} entry points into ${path.relative(process.cwd(), dist) || "."}`,
  );
}

function fail(error) {
  console.error(`bundle-package-dist: ${error.message}`);
  if (error instanceof UsageError) {
    console.error(
      "hint: run it after tsc (`pnpm run build` does both), in a package whose exports point at dist/<name>.js",
    );
    process.exit(2);
  }
  process.exit(1);
}

await main().catch(fail);
