#!/usr/bin/env node
// Build step after `tsc`: bundles the CLI into dist/bin.cjs, the launcher (src/launch.ts: the
// `millrace` executable, CommonJS, one file), dist/cli.js (src/cli.ts: every command, ES modules)
// plus one chunk per lazily loaded command group (dist/chunk-*.js), so a cold start resolves and
// reads a handful of files instead of several hundred (docs/adr/0007-bundled-cli.md). The
// fast-path commands get their own bundles besides (dist/hot-<command>.cjs and its
// dist/hot-<command>-* chunks, CommonJS so that they can run with V8's code cache), built
// separately so each loads only what its command uses.
// tsc's per-file output stays in dist/ for the library entry (dist/index.js) and the types.
//
// The @millrace packages are inlined, so their code runs from dist/ and `import.meta.url` there
// would name the CLI's folder. A few modules locate files shipped beside them (the workspace
// baseline assets, package.json versions, the scripted runner's entry): in those modules
// `import.meta.url` is rewritten to the URL the module has in its own installed package, found at
// run time with `import.meta.resolve(<package>)`. The packages therefore stay dependencies of the
// CLI, installed beside it. yargs stays external: it reads its locale files beside itself.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const here = path.dirname(fileURLToPath(import.meta.url));
const packagesRoot = path.resolve(here, "..", "..", "packages");

/**
 * The export condition naming a package's per-file tsc output (scripts/bundle-package-dist.mjs):
 * the bundles here read those files, not the package's own bundle (`import`, what node loads), so
 * that tree-shaking sees each module and a hot bundle keeps only what its command uses.
 */
const PER_FILE_CONDITION = "millrace-per-file";

/**
 * `{ name, entry, relative }` for a file inside packages/<dir>/dist: the package's name, its main
 * entry (`exports["."]["millrace-per-file"]`, e.g. `dist/index.js`) and the file relative to that entry.
 */
function packageFileOf(id) {
  if (!path.isAbsolute(id)) return undefined;
  const rel = path.relative(packagesRoot, id);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return undefined;
  const [dir, sub, ...rest] = rel.split(path.sep);
  if (sub !== "dist" || dir === undefined) return undefined;
  const manifest = JSON.parse(readFileSync(path.join(packagesRoot, dir, "package.json"), "utf8"));
  const entry = manifest.exports?.["."]?.[PER_FILE_CONDITION];
  if (entry !== "./dist/index.js")
    throw new Error(`${manifest.name}: expected exports["."]["${PER_FILE_CONDITION}"] ./dist/index.js`);
  return { name: manifest.name, entry: entry.slice(2), relative: `./${rest.join("/")}` };
}

// The URL of a package's entry at run time. Node's resolver (import.meta.resolve) costs a few
// milliseconds on its first call in a process; the usual places are checked first with one stat
// each: node_modules beside the CLI's dist/ (a pnpm workspace, npm's nested install) and the folder
// that holds the CLI's own package (npm's hoisted install). The resolver decides anything else:
// in an ES module bundle its own `import.meta.resolve`; in a hot bundle (CommonJS, run by
// src/cached-script-loader.ts, which has no `import.meta`) the loader's, handed to each chunk as
// `__millraceImportResolve` (src/own-package-resolve.ts, from the same folder).
const OWN_URL_MODULE = "\0millrace-own-url";
function ownUrlSource(resolver) {
  return `import { existsSync } from "node:fs";
const found = new Map();
export function ownPackageUrl(name, entry) {
  let url = found.get(name);
  if (url === undefined) {
    url = [new URL(\`../node_modules/\${name}/\${entry}\`, import.meta.url), new URL(\`../../\${name}/\${entry}\`, import.meta.url)]
      .find((candidate) => existsSync(candidate) && existsSync(new URL("../package.json", candidate)))?.href ?? ${resolver}(name);
    found.set(name, url);
  }
  return url;
}
`;
}

/** Rewrites `import.meta.url` in inlined package modules to the module's URL in its own package. */
function ownUrls(resolver) {
  return {
    name: "millrace-own-urls",
    resolveId(id) {
      return id === OWN_URL_MODULE ? id : null;
    },
    load(id) {
      return id === OWN_URL_MODULE ? ownUrlSource(resolver) : null;
    },
    transform(code, id) {
      if (!code.includes("import.meta.url")) return null;
      const owner = packageFileOf(id);
      if (!owner) return null;
      const url = `new URL(${JSON.stringify(owner.relative)}, ownPackageUrl(${JSON.stringify(owner.name)}, ${JSON.stringify(owner.entry)})).href`;
      const header = `import { ownPackageUrl } from ${JSON.stringify(OWN_URL_MODULE)};\n`;
      return { code: header + code.replaceAll("import.meta.url", url), map: null };
    },
  };
}

const outDir = path.join(here, "dist");
/** The fast-path commands with a hot bundle (src/hot/<command>.ts; the same list as fast-path.ts). */
const HOT_COMMANDS = ["status", "queue", "runs", "supervisor"];
// Chunk names carry content hashes: drop the previous build's before writing this one's.
for (const name of readdirSync(outDir)) {
  // bin.js and hot-fast-* are what builds before the CommonJS launcher left.
  if (/^(chunk-|hot-|bin-|bin\.js$)/.test(name)) rmSync(path.join(outDir, name));
}

const common = {
  platform: "node",
  resolve: {
    extensionAlias: { ".js": [".ts", ".js"] },
    conditionNames: [PER_FILE_CONDITION, "import", "node", "default"],
  },
  plugins: [ownUrls("import.meta.resolve")],
  logLevel: "warn",
  // @iarna/toml reaches util.inspect through a guarded direct eval, on purpose; it fails softly.
  checks: { eval: false },
  // Building a zod schema has no effect outside the schema, and the registry of persisted schemas
  // is read only by the JSON Schema generator, which no bundled command runs (checked below): so
  // a schema nothing in a build uses is dropped from it instead of being built at every start.
  treeshake: { manualPureFunctions: ["z", "registerPersistedSchema"] },
};
// V8 keeps each module's source text in the heap for as long as the process lives (a daemon: weeks).
// So the bundles are ASCII (one non-Latin-1 character, a `→` in a message, makes a whole chunk a
// two-byte string, twice its size) and carry no JSDoc (half the text of some chunks; no source maps
// ship, so line numbers in stack traces were never the source's). License comments stay.
const output = {
  dir: outDir,
  format: "esm",
  entryFileNames: "[name].js",
  minify: false,
  sourcemap: false,
  charset: "ascii",
  comments: { legal: true, annotation: false, jsdoc: false },
};

// The main bundle: every command (dist/cli.js, ES modules), loaded by the launcher below.
await build({
  ...common,
  input: { cli: path.join(here, "src", "cli.ts") },
  external: [/^node:/, /^yargs(\/|$)/],
  output: { ...output, chunkFileNames: "chunk-[name]-[hash].js" },
});

// The launcher (src/launch.ts): the `millrace` executable, dist/bin.cjs. CommonJS, so that a run
// needs no ES module loader at all: it answers --version, then the argv check of the fast path,
// which runs one hot bundle per fast-path command (below). Anything else imports dist/cli.js.
await build({
  ...common,
  plugins: [],
  input: { bin: path.join(here, "src", "launch.ts") },
  external: [/^node:/, "./cli.js"],
  onLog(level, log, handler) {
    if (log.code === "EMPTY_IMPORT_META") throw new Error(`bin.cjs: ${log.message}`);
    handler(level, log);
  },
  output: { ...output, format: "cjs", entryFileNames: "[name].cjs", chunkFileNames: "bin-[name]-[hash].cjs" },
});
// tsc's per-file copy of the launcher would be a second executable: only bin.cjs ships.
for (const name of ["launch.js", "launch.js.map", "launch.d.ts", "launch.d.ts.map"]) {
  rmSync(path.join(outDir, name), { force: true });
}
{
  const launcher = readFileSync(path.join(outDir, "bin.cjs"), "utf8");
  if (!launcher.startsWith("#!/usr/bin/env node\n")) throw new Error("bin.cjs: the shebang line is missing");
  if (readdirSync(outDir).some((name) => name.startsWith("bin-")))
    throw new Error("bin.cjs: the launcher must be one file (it loads no chunk of its own)");
}
// One hot bundle per fast-path command, each built on its own so tree-shaking keeps only the
// schemas and code that command uses and its chunks hold no module only another command needs. A
// hot bundle shares no module instance with the main bundle or another hot bundle: a process runs
// one of them.
// The hot bundles are CommonJS (hot-<command>.cjs and its hot-<command>-* chunks), run by
// src/cached-script-loader.ts through vm.Script, which can take V8's code cache on Node 20 (ES
// modules cannot); scripts/hot-code-cache.mjs writes that cache after this build. The chunks keep
// the same split as an ES build: a chunk loaded through a dynamic import is still loaded on demand, and
// keeps only the exports that are read (inlining it would keep every export of a barrel).
for (const command of HOT_COMMANDS) {
  await build({
    ...common,
    plugins: [ownUrls("__millraceImportResolve")],
    // `import.meta` other than `.url` has no CommonJS form: rolldown would turn it into `{}`.
    onLog(level, log, handler) {
      if (log.code === "EMPTY_IMPORT_META") throw new Error(`hot-${command}: ${log.message}`);
      handler(level, log);
    },
    input: { [`hot-${command}`]: path.join(here, "src", "hot", `${command}.ts`) },
    external: [/^node:/, /^yargs(\/|$)/],
    output: {
      ...output,
      format: "cjs",
      entryFileNames: "[name].cjs",
      chunkFileNames: `hot-${command}-[name]-[hash].cjs`,
    },
  });
}
// The loader passes chunks no `import()` callback (a CommonJS chunk loads its siblings through
// the loader's require), so one left in a hot bundle would fail when reached.
for (const name of readdirSync(outDir)) {
  if (!/^hot-.*\.cjs$/.test(name)) continue;
  const code = readFileSync(path.join(outDir, name), "utf8");
  if (/\bimport\s*\(|\bimport\.meta\b/.test(code)) {
    throw new Error(`${name}: a dynamic import() or import.meta is left in a CommonJS hot bundle`);
  }
}

// The registry the tree-shaking above empties must have no reader in the bundles.
for (const name of readdirSync(outDir)) {
  if (!/^(chunk-.*\.js|hot-.*\.cjs|bin\.cjs|cli\.js)$/.test(name)) continue;
  const code = readFileSync(path.join(outDir, name), "utf8");
  if (/\b(PERSISTED_SCHEMAS|renderJsonSchema)\b/.test(code)) {
    throw new Error(`${name}: reads the persisted-schema registry, which the bundle's tree-shaking empties`);
  }
}
