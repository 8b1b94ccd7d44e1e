#!/usr/bin/env node
// Build step: writes dist/config-cache-digest.json, the digest of everything that decides what
// loadConfig makes of a millrace.toml text: the sources of this package and of @millrace/contracts
// (the config schema, its refinements, the TOML reading) and the versions of zod and @iarna/toml.
// The validated-config cache (src/config-cache.ts) keys its entries on it, so a build that could
// validate differently never reads an entry another build wrote.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.resolve(here, "..");
const contracts = path.resolve(pkg, "..", "contracts");

function sourceFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

const hash = createHash("sha256");
for (const root of [path.join(contracts, "src"), path.join(pkg, "src")]) {
  for (const file of sourceFiles(root)) {
    hash.update(`${path.relative(path.dirname(pkg), file)}\0`);
    hash.update(readFileSync(file));
    hash.update("\0");
  }
}
const require = createRequire(path.join(pkg, "package.json"));
for (const name of ["zod", "@iarna/toml"]) {
  const manifest = path.join(path.dirname(require.resolve(`${name}/package.json`)), "package.json");
  hash.update(`${name}@${JSON.parse(readFileSync(manifest, "utf8")).version}\0`);
}
const out = path.join(pkg, "dist", "config-cache-digest.json");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, `${JSON.stringify({ digest: hash.digest("hex") })}\n`);
renameSync(`${out}.tmp`, out);
