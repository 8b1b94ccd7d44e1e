#!/usr/bin/env node
// Packaging lint: packs every publishable package (packages/*, apps/*, not private) with `pnpm pack`
// into a temp folder, then checks the tarball the way a user would receive it:
//   - publint (strict) and are-the-types-wrong (ESM-only profile);
//   - the tarball holds only what the package needs at run time (dist/, README.md, LICENSE,
//     package.json, plus the extra folders listed in EXTRA_CONTENT);
//   - no `workspace:` or `catalog:` protocol survives in the packed package.json;
//   - every bare import in the shipped JavaScript is a declared dependency, and every declared
//     dependency is imported somewhere (no missing, no unused).
// Needs the packages built (`pnpm build`).
// Usage: node scripts/check-packages.mjs [--root DIR] [name-filter...]   (DIR: a repository root)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

const toolsRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Folders a package ships besides dist/ because it reads them at run time. */
const EXTRA_CONTENT = {
  "@millrace/contracts": ["schemas/"],
  "@millrace/workspace": ["assets/"],
  "@millrace/runners": ["test/fakes/"],
};
const ALWAYS_ALLOWED = new Set(["package.json", "README.md", "LICENSE"]);

export function publishablePackages(repo = toolsRoot) {
  const out = [];
  for (const group of ["packages", "apps"]) {
    const base = path.join(repo, group);
    for (const name of readdirSync(base).sort()) {
      const dir = path.join(base, name);
      let manifest;
      try {
        manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
      } catch {
        continue;
      }
      if (!manifest.private) out.push({ dir, manifest });
    }
  }
  return out;
}

const IMPORT_RE =
  /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|(?:^|[\s;])import\s+["']([^"']+)["']/gm;
// Lines that only describe an import in prose (JSDoc) must not count.
const COMMENT_LINE_RE = /^\s*(?:\*|\/\/).*$/gm;
const BUILTINS = new Set(builtinModules);

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or null for relative/builtin. */
export function packageOfSpecifier(spec) {
  if (spec.startsWith(".") || spec.startsWith("/") || spec.startsWith("node:")) return null;
  const parts = spec.split("/");
  const name = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  return BUILTINS.has(name) ? null : name;
}

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
}

/**
 * Bare packages the shipped code refers to: imports in the JavaScript, and in the declaration files
 * (a consumer's type checker resolves those, so a type-only import is still a real dependency).
 */
export function importedPackages(unpacked) {
  const used = new Map();
  for (const file of walk(unpacked)) {
    if (!/\.(m?js|cjs|d\.ts|d\.mts)$/.test(file)) continue;
    const text = readFileSync(file, "utf8").replace(COMMENT_LINE_RE, "");
    for (const match of text.matchAll(IMPORT_RE)) {
      const name = packageOfSpecifier(match[1] ?? match[2] ?? match[3]);
      if (name && !used.has(name)) used.set(name, path.relative(unpacked, file));
    }
  }
  return used;
}

function checkContent(name, files) {
  const extras = EXTRA_CONTENT[name] ?? [];
  const problems = [];
  for (const file of files) {
    if (ALWAYS_ALLOWED.has(file)) continue;
    if (file.startsWith("dist/") && !file.endsWith(".map")) continue;
    if (extras.some((prefix) => file.startsWith(prefix))) continue;
    problems.push(`ships an unexpected file: ${file}`);
  }
  for (const required of ["README.md", "LICENSE", "package.json"]) {
    if (!files.includes(required)) problems.push(`does not ship ${required}`);
  }
  for (const prefix of extras) {
    if (!files.some((file) => file.startsWith(prefix))) problems.push(`does not ship ${prefix}`);
  }
  if (!files.some((file) => file.startsWith("dist/"))) problems.push("does not ship dist/ (build first)");
  return problems;
}

function checkDependencies(manifest, unpacked) {
  const problems = [];
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (/^(workspace|catalog):/.test(String(range))) {
        problems.push(`${field}.${dep} still uses the ${String(range).split(":")[0]}: protocol`);
      }
    }
  }
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
  const used = importedPackages(unpacked);
  for (const [dep, file] of used) {
    if (dep !== manifest.name && !declared.has(dep)) {
      problems.push(`imports ${dep} (in ${file}) but does not declare it as a dependency`);
    }
  }
  for (const dep of declared) {
    if (!used.has(dep)) problems.push(`declares ${dep} but never imports it`);
  }
  return problems;
}

async function runPublint(tarball) {
  const buffer = readFileSync(tarball);
  const data = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball: data }, strict: true, level: "suggestion" });
  return messages.map(
    (message) => `publint ${message.type}: ${formatMessage(message, pkg, { color: false })}`,
  );
}

function runAttw(tarball) {
  const bin = path.join(toolsRoot, "node_modules", ".bin", "attw");
  const result = spawnSync(bin, [tarball, "--profile", "esm-only", "--format", "ascii", "--no-color"], {
    encoding: "utf8",
  });
  if (result.status === 0) return [];
  return [`are-the-types-wrong failed:\n${result.stdout}${result.stderr}`.trimEnd()];
}

/** Packs one package and returns its problems (empty when it is ready to publish). */
export async function checkPackage({ dir, manifest }, scratch) {
  const dest = path.join(scratch, manifest.name.replace(/[@/]/g, "_"));
  mkdirSync(dest, { recursive: true });
  execFileSync("pnpm", ["pack", "--pack-destination", dest], { cwd: dir, stdio: "pipe" });
  const tarball = path.join(
    dest,
    readdirSync(dest).find((file) => file.endsWith(".tgz")),
  );
  const unpacked = path.join(dest, "unpacked");
  mkdirSync(unpacked);
  execFileSync("tar", ["-xzf", tarball, "-C", unpacked]);
  const root = path.join(unpacked, "package");
  const files = walk(root)
    .filter((file) => statSync(file).isFile())
    .map((file) => path.relative(root, file).split(path.sep).join("/"));
  const packed = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  return {
    tarball,
    files: files.length,
    problems: [
      ...checkContent(manifest.name, files),
      ...checkDependencies(packed, root),
      ...(await runPublint(tarball)),
      ...runAttw(tarball),
    ],
  };
}

async function cli() {
  const args = process.argv.slice(2);
  let repo = toolsRoot;
  const rootAt = args.indexOf("--root");
  if (rootAt !== -1) {
    repo = path.resolve(args[rootAt + 1] ?? ".");
    args.splice(rootAt, 2);
  }
  const filters = args;
  const packages = publishablePackages(repo).filter(
    ({ manifest }) => filters.length === 0 || filters.some((f) => manifest.name.includes(f)),
  );
  const scratch = mkdtempSync(path.join(os.tmpdir(), "millrace-check-packages-"));
  let failed = 0;
  try {
    for (const pkg of packages) {
      const { files, problems } = await checkPackage(pkg, scratch);
      if (problems.length === 0) {
        console.log(`ok   ${pkg.manifest.name}@${pkg.manifest.version} (${files} files)`);
      } else {
        failed += 1;
        console.log(`FAIL ${pkg.manifest.name}@${pkg.manifest.version}`);
        for (const problem of problems) console.log(`  - ${problem.replace(/\n/g, "\n    ")}`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (failed > 0) {
    console.error(`check-packages: ${failed} of ${packages.length} package(s) not ready to publish`);
    process.exitCode = 1;
  } else {
    console.log(`check-packages: ${packages.length} package(s) ready to publish`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await cli();
