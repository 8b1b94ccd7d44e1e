#!/usr/bin/env node
// Build step after `tsc` of a library package: writes one bundle per entry point beside tsc's
// per-file output, so that `node` loads a few files where it loaded dozens (issue 10: loading a
// module costs a resolution, a read, a parse and a link; runners alone went from 21 to 80 modules
// when its adapters were split). For an entry "<name>" of package.json "exports":
//
//   "millrace-per-file": "./dist/<name>.js"      tsc's output: read by the CLI's own build
//                                                 (apps/cli/bundle.mjs), which tree-shakes it
//   "import":            "./dist/<name>.bundle.js" written here: what node (and any other
//                                                 consumer) loads
//
// The entries share their modules through chunks at the top of dist/ (dist/bundle-chunk-*.js), so
// each module exists once per process (one MillraceError class, one useOneShotParsing). A chunk or
// an entry at the top of dist/ sits where tsc's top-level files sit, so `import.meta.url` there
// names the same folder; a module in a subfolder that locates files with it must also look from
// the top of dist/ (see runners' scripted/paths.ts). Types stay tsc's; dependencies stay external.
//
//   node ../../scripts/bundle-package-dist.mjs [--entry NAME]... [packageDir]
//   (packageDir defaults to the current folder, where a package's build script runs it; --entry adds
//   an entry point that is not in "exports", such as a file run as a process: --entry scripted/entry)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { build } from "rolldown";

/** The export condition that names tsc's per-file output (the CLI's bundler asks for it). */
const PER_FILE_CONDITION = "millrace-per-file";

/** Bad input (a bad option, the package is not built, its exports are not in the shape above): exit 2. */
class UsageError extends Error {}

const args = { dir: ".", entries: [] };
try {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === "--entry") {
      i += 1;
      const name = argv[i];
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

/** `{ name: per-file dist entry }` for every entry of package.json "exports" (see the top). */
function entryPoints(manifest) {
  const entries = {};
  for (const [key, value] of Object.entries(manifest.exports ?? {})) {
    if (typeof value !== "object" || value === null) continue;
    const perFile = value[PER_FILE_CONDITION];
    if (perFile === undefined) {
      if (typeof value.import === "string" && value.import.startsWith("./dist/"))
        throw new Error(`exports["${key}"] has no "${PER_FILE_CONDITION}" target`);
      continue;
    }
    if (typeof perFile !== "string" || !perFile.startsWith("./dist/") || !perFile.endsWith(".js"))
      throw new Error(`exports["${key}"]["${PER_FILE_CONDITION}"] must name ./dist/<name>.js`);
    const name = checkedName(perFile.slice("./dist/".length, -".js".length), `exports["${key}"]`);
    if (value.import !== `./dist/${name}.bundle.js`)
      throw new Error(`exports["${key}"].import must be ./dist/${name}.bundle.js`);
    const keys = Object.keys(value).filter((condition) => condition !== "types");
    if (keys[0] !== PER_FILE_CONDITION)
      throw new Error(`exports["${key}"]: "${PER_FILE_CONDITION}" must come before "${keys[0]}"`);
    entries[name] = path.join(dist, `${name}.js`);
  }
  for (const extra of args.entries) entries[checkedName(extra, "--entry")] = path.join(dist, `${extra}.js`);
  if (!entries.index) throw new Error(`exports["."]["${PER_FILE_CONDITION}"] must be ./dist/index.js`);
  return entries;
}

/** Every file under `dir` (relative paths) that `keep` accepts. */
function filesUnder(dir, keep, prefix = "") {
  const found = [];
  for (const name of readdirSync(dir)) {
    const relative = path.join(prefix, name);
    if (statSync(path.join(dir, name)).isDirectory())
      found.push(...filesUnder(path.join(dir, name), keep, relative));
    else if (keep(relative)) found.push(relative);
  }
  return found;
}

/** A file this script wrote (an entry's bundle or a shared chunk). */
const isBundleOutput = (relative) =>
  relative.endsWith(".bundle.js") || /^bundle-chunk-[\w-]+\.js$/.test(path.basename(relative));

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
    throw new UsageError(`package.json: ${error.message}`);
  }
  for (const [name, file] of Object.entries(input)) {
    if (!statSync(file, { throwIfNoEntry: false })?.isFile())
      throw new UsageError(`dist/${name}.js is missing`);
  }
  // Bundle into a scratch folder inside dist/ first, so that a failure leaves dist/ as it was.
  const scratch = mkdtempSync(path.join(dist, ".bundle-"));
  try {
    await build({
      input,
      // Only this package's own modules are bundled; every package it depends on stays an import.
      external: (id) => !id.startsWith(".") && !path.isAbsolute(id),
      logLevel: "warn",
      output: {
        dir: scratch,
        format: "esm",
        entryFileNames: "[name].bundle.js",
        chunkFileNames: "bundle-chunk-[hash].js",
        // Pure annotations stay for a consumer's bundler; JSDoc is in the .d.ts files.
        comments: { legal: true, annotation: true, jsdoc: false },
      },
    });
    const scratchName = path.basename(scratch);
    const stale = filesUnder(
      dist,
      (file) => !file.startsWith(scratchName + path.sep) && isBundleOutput(file),
    );
    for (const file of stale) rmSync(path.join(dist, file));
    for (const file of filesUnder(scratch, () => true)) {
      mkdirSync(path.dirname(path.join(dist, file)), { recursive: true });
      renameSync(path.join(scratch, file), path.join(dist, file));
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
      `hint: run it after tsc (\`pnpm run build\` does both), in a package whose exports give each entry "${PER_FILE_CONDITION}": ./dist/<name>.js then "import": ./dist/<name>.bundle.js`,
    );
    process.exit(2);
  }
  process.exit(1);
}

await main().catch(fail);
