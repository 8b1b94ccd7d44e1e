#!/usr/bin/env node
// Architecture lint (DESIGN.md "Packages and layers"): fails when a package imports a package of its
// own layer or above, deep-imports another package, or uses a side-effect library outside the one
// package that owns it. Reads every package's package.json and every import in its sources.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const LAYERS = {
  "@millrace/contracts": 0,
  "@millrace/workspace": 1,
  "@millrace/queue-store": 2,
  "@millrace/compiler": 2,
  "@millrace/runners": 2,
  "@millrace/governance": 2,
  "@millrace/compounding": 2,
  "@millrace/scheduler": 3,
  "@millrace/supervisor-contract": 4,
  millrace: 5,
  "@millrace/bench": 6,
  "@millrace/runner-contract-tests": 6,
  "@millrace/example-embed": 6,
};

/** Public subpath entry points a package may offer besides its index (light or test-only doors). */
export const ALLOWED_SUBPATHS = ["/testing", "/read-models", "/package.json"];

/** Libraries with side effects, each allowed in exactly one package (STYLE.md habit 2). */
export const OWNED_LIBRARIES = {
  execa: "@millrace/runners",
  chokidar: "@millrace/scheduler",
  "@iarna/toml": "@millrace/workspace",
  yargs: "millrace",
};

const IMPORT_RE =
  /(?:import|export)\s[^'"`]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']/g;

function listSources(dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(full));
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

function packageOf(specifier) {
  if (specifier.startsWith(".") || specifier.startsWith("node:") || path.isAbsolute(specifier))
    return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

export function checkLayers(repoRoot) {
  const problems = [];
  const packageDirs = [];
  for (const group of ["packages", "apps"]) {
    const base = path.join(repoRoot, group);
    let names = [];
    try {
      names = readdirSync(base);
    } catch {
      continue;
    }
    for (const name of names) {
      const dir = path.join(base, name);
      try {
        if (statSync(path.join(dir, "package.json")).isFile()) packageDirs.push(dir);
      } catch {}
    }
  }
  for (const dir of packageDirs) {
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    const self = manifest.name;
    const selfLayer = LAYERS[self];
    const rel = path.relative(repoRoot, dir);
    if (selfLayer === undefined) {
      problems.push(`${rel}: package ${self} has no layer; add it to scripts/check-layers.mjs`);
      continue;
    }
    const declared = { ...manifest.dependencies, ...manifest.peerDependencies };
    for (const dep of Object.keys(declared)) {
      if (dep in LAYERS && LAYERS[dep] >= selfLayer) {
        problems.push(`${rel}/package.json: ${self} (L${selfLayer}) depends on ${dep} (L${LAYERS[dep]})`);
      }
    }
    for (const file of [...listSources(path.join(dir, "src")), ...listSources(path.join(dir, "test"))]) {
      const source = readFileSync(file, "utf8");
      const fileRel = path.relative(repoRoot, file);
      const inTests = fileRel.includes(`${path.sep}test${path.sep}`);
      for (const match of source.matchAll(IMPORT_RE)) {
        const specifier = match[1] ?? match[2] ?? match[3];
        const line = source.slice(0, match.index).split("\n").length;
        const where = `${fileRel}:${line}`;
        if (specifier.startsWith(".")) {
          const target = path.resolve(path.dirname(file), specifier);
          if (!target.startsWith(dir + path.sep))
            problems.push(`${where}: relative import leaves the package: ${specifier}`);
          continue;
        }
        const pkg = packageOf(specifier);
        if (!pkg) continue;
        if (pkg in LAYERS && pkg !== self) {
          if (LAYERS[pkg] >= selfLayer) {
            problems.push(
              `${where}: ${self} (L${selfLayer}) imports ${pkg} (L${LAYERS[pkg]}); imports must point to a lower layer`,
            );
          }
          const sub = specifier.slice(pkg.length);
          if (sub !== "" && !ALLOWED_SUBPATHS.includes(sub)) {
            problems.push(`${where}: deep import ${specifier}; use the package's public entry point`);
          }
        }
        const owner = OWNED_LIBRARIES[pkg];
        if (owner && owner !== self && !inTests) {
          problems.push(`${where}: ${pkg} may only be used in ${owner}`);
        }
      }
    }
  }
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), ".."));
  const problems = checkLayers(root);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`layering: ${problem}`);
    console.error(`layering: ${problems.length} violation(s); see DESIGN.md "Packages and layers"`);
    process.exit(1);
  }
  console.log("layering: ok");
}
