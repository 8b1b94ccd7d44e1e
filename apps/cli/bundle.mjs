#!/usr/bin/env node
// Build step after `tsc`: bundles the CLI's entry (src/bin.ts) with everything it loads into
// dist/bin.js plus one chunk per lazily loaded command group (dist/chunk-*.js), so a cold start
// resolves and reads a handful of files instead of several hundred (docs/adr/0007-bundled-cli.md).
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

/** `{ name, relative }` for a file inside packages/<dir>/dist, relative to that package's dist/index.js. */
function packageFileOf(id) {
  if (!path.isAbsolute(id)) return undefined;
  const rel = path.relative(packagesRoot, id);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return undefined;
  const [dir, sub, ...rest] = rel.split(path.sep);
  if (sub !== "dist" || dir === undefined) return undefined;
  const manifest = JSON.parse(readFileSync(path.join(packagesRoot, dir, "package.json"), "utf8"));
  return { name: manifest.name, relative: `./${rest.join("/")}` };
}

/** Rewrites `import.meta.url` in inlined package modules to the module's URL in its own package. */
const ownUrls = {
  name: "millrace-own-urls",
  transform(code, id) {
    if (!code.includes("import.meta.url")) return null;
    const owner = packageFileOf(id);
    if (!owner) return null;
    const url = `new URL(${JSON.stringify(owner.relative)}, import.meta.resolve(${JSON.stringify(owner.name)})).href`;
    return { code: code.replaceAll("import.meta.url", url), map: null };
  },
};

const outDir = path.join(here, "dist");
// Chunk names carry content hashes: drop the previous build's before writing this one's.
for (const name of readdirSync(outDir)) if (name.startsWith("chunk-")) rmSync(path.join(outDir, name));

await build({
  input: { bin: path.join(here, "src", "bin.ts") },
  platform: "node",
  external: [/^node:/, /^yargs(\/|$)/],
  resolve: { extensionAlias: { ".js": [".ts", ".js"] } },
  plugins: [ownUrls],
  logLevel: "warn",
  // @iarna/toml reaches util.inspect through a guarded direct eval, on purpose; it fails softly.
  checks: { eval: false },
  output: {
    dir: outDir,
    format: "esm",
    entryFileNames: "[name].js",
    chunkFileNames: "chunk-[name]-[hash].js",
    minify: false,
    sourcemap: false,
  },
});
