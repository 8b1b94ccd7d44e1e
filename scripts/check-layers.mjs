#!/usr/bin/env node
// Architecture lint (DESIGN.md "Packages and layers"). Fails when:
//   - a package imports a package of its own layer or above (L2 packages never import each other);
//   - a package deep-imports another one (only `@millrace/x` and its declared subpaths);
//   - imports form a cycle: between packages, or among the relative imports of one package's modules
//     (type-only imports count: a cycle of types is still a knot to untie);
//   - a library with side effects is used outside the package that owns it (chokidar, TOML, yargs),
//     or a process is started (`child_process`, execa) outside the process-owning packages;
//   - a package module re-exports another wholesale (`export * from`): a package names what it
//     exports, so an internal does not become public by being added to a module.
// Scanned: packages/* and apps/* (their src/ and test/), bench/ and examples/* (every file: they use
// the packages the way a user does). Not scanned: scripts/ is repo tooling; it reads the built
// packages by path (e.g. the docs generators) and answers to no layer.
// Usage: node scripts/check-layers.mjs [ROOT]   (ROOT: a repository root; default: this repository)
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findCycles, importsOf, listSources, packageOf, resolveRelative } from "./lib/import-graph.mjs";

export const LAYERS = {
  "@millrace/contracts": 0,
  "@millrace/workspace": 1,
  "@millrace/queue-store": 2,
  "@millrace/compiler": 2,
  "@millrace/runners": 2,
  "@millrace/governance": 2,
  "@millrace/compounding": 2,
  "@millrace/git": 2,
  "@millrace/scheduler": 3,
  "@millrace/supervisor-contract": 4,
  "@millrace/server": 5,
  millrace: 6,
  // The dashboard's frontend: it runs in a browser and imports only types from contracts.
  "@millrace/web": 6,
  "@millrace/bench": 7,
  "@millrace/runner-contract-tests": 7,
  "@millrace/example-embed": 7,
};

/** Public subpath entry points a package may offer besides its index (light or test-only doors). */
export const ALLOWED_SUBPATHS = [
  "/testing",
  "/read-models",
  "/run-listing",
  "/status",
  "/terminal-text",
  "/one-shot-parsing",
  "/package.json",
];

/** Libraries with side effects, each allowed in exactly one package (STYLE.md habit 2). */
export const OWNED_LIBRARIES = {
  chokidar: "@millrace/scheduler",
  "@iarna/toml": "@millrace/workspace",
  yargs: "millrace",
};

/** Starting processes (`node:child_process`, execa) belongs to these packages. */
export const PROCESS_LIBRARIES = ["child_process", "execa"];
export const PROCESS_OWNERS = ["@millrace/runners", "@millrace/git"];

/** Harnesses that start processes as their job, each with the reason it may. */
export const PROCESS_HARNESSES = {
  "@millrace/runner-contract-tests": "spawns the real agent CLIs to pin their contract",
  "@millrace/bench": "measures the CLI and the engine as processes",
};

/**
 * Module cycles tolerated for now, each with its reason. A cycle passes only when its modules are
 * exactly the listed files (paths from the repository root); anything joining it fails again.
 */
export const ALLOWED_CYCLES = [
  // { files: ["packages/x/src/a.ts", "packages/x/src/b.ts"], reason: "why, and when it goes away" }
];

/** The folders scanned as packages; `whole`: every file counts (bench, examples), else src/ and test/. */
function discoverPackages(repoRoot) {
  const found = [];
  const add = (dir, whole) => {
    try {
      if (!statSync(path.join(dir, "package.json")).isFile()) return;
    } catch {
      return;
    }
    found.push({ dir, whole });
  };
  for (const group of ["packages", "apps", "examples"]) {
    let names = [];
    try {
      names = readdirSync(path.join(repoRoot, group)).sort();
    } catch {
      continue;
    }
    for (const name of names) add(path.join(repoRoot, group, name), group === "examples");
  }
  add(path.join(repoRoot, "bench"), true);
  return found;
}

/** Files of a package: whole folder for bench/examples, else src/ and test/. */
function filesOf(pkg) {
  const tag = (inTests) => (file) => ({ file, inTests, production: !inTests });
  if (pkg.whole) return listSources(pkg.dir).map(tag(false));
  return [
    ...listSources(path.join(pkg.dir, "src")).map(tag(false)),
    ...listSources(path.join(pkg.dir, "test")).map(tag(true)),
  ];
}

function checkManifest(ctx, pkg) {
  const declared = { ...pkg.manifest.dependencies, ...pkg.manifest.peerDependencies };
  for (const dep of Object.keys(declared)) {
    if (dep in LAYERS && LAYERS[dep] >= pkg.layer) {
      ctx.problems.push(
        `${pkg.rel}/package.json: ${pkg.name} (L${pkg.layer}) depends on ${dep} (L${LAYERS[dep]})`,
      );
    }
  }
}

function layerProblem(pkg, target) {
  const other = LAYERS[target];
  if (other > pkg.layer) {
    return `${pkg.name} (L${pkg.layer}) imports ${target} (L${other}), a higher layer; imports must point down`;
  }
  const siblings = pkg.layer === 2 ? "; L2 packages never import each other" : "";
  return `${pkg.name} (L${pkg.layer}) imports ${target}, a package of its own layer (L${other})${siblings}`;
}

function libraryProblem(pkg, target, inTests) {
  // Tests may drive real processes and watchers (DESIGN.md "Conventions": no mocks at the seam).
  if (inTests) return undefined;
  const owner = OWNED_LIBRARIES[target];
  if (owner && owner !== pkg.name) return `${target} may only be used in ${owner}`;
  if (!PROCESS_LIBRARIES.includes(target)) return undefined;
  if (PROCESS_OWNERS.includes(pkg.name) || pkg.name in PROCESS_HARNESSES) return undefined;
  const shown = target === "child_process" ? "node:child_process" : target;
  return `${shown} starts processes; only ${PROCESS_OWNERS.join(" and ")} may (or a harness listed in PROCESS_HARNESSES with its reason)`;
}

/** Checks one import of one file; records module and package edges for the cycle checks. */
function checkImport(ctx, pkg, entry, { specifier, line }) {
  const where = `${path.relative(ctx.root, entry.file)}:${line}`;
  if (specifier.startsWith(".")) {
    const target = path.resolve(path.dirname(entry.file), specifier);
    const toTooling = entry.inTests && target.startsWith(path.join(ctx.root, "scripts") + path.sep);
    if (!target.startsWith(pkg.dir + path.sep) && !toTooling) {
      ctx.problems.push(`${where}: relative import leaves the package: ${specifier}`);
    }
    const resolved = entry.production ? resolveRelative(entry.file, specifier) : undefined;
    if (resolved && pkg.modules.has(resolved)) pkg.modules.get(entry.file).add(resolved);
    return;
  }
  const target = packageOf(specifier);
  if (!target) return;
  if (target in LAYERS && target !== pkg.name) {
    if (LAYERS[target] >= pkg.layer) ctx.problems.push(`${where}: ${layerProblem(pkg, target)}`);
    const sub = specifier.slice(target.length);
    if (sub !== "" && !ALLOWED_SUBPATHS.includes(sub)) {
      ctx.problems.push(`${where}: deep import ${specifier}; use the package's public entry point`);
    }
    if (entry.production) ctx.packageGraph.get(pkg.name).add(target);
  }
  const library = libraryProblem(pkg, target, entry.inTests);
  if (library) ctx.problems.push(`${where}: ${library}`);
}

function checkModuleCycles(ctx, pkg, allowedSeen) {
  for (const cycle of findCycles(pkg.modules)) {
    const members = cycle.members.map((file) => path.relative(ctx.root, file).split(path.sep).join("/"));
    const allowed = ALLOWED_CYCLES.find(
      (entry) => entry.files.length === members.length && entry.files.every((file) => members.includes(file)),
    );
    if (allowed) {
      allowedSeen.add(allowed);
      continue;
    }
    const local = (file) => path.relative(pkg.dir, file).split(path.sep).join("/");
    const loop = cycle.path.map(local).join(" -> ");
    const others = cycle.members.filter((file) => !cycle.path.includes(file)).map(local);
    const knot = others.length > 0 ? `; also in the knot: ${others.join(", ")}` : "";
    ctx.problems.push(
      `${pkg.rel}: import cycle between modules: ${loop}${knot} (type-only imports count; move what both need into its own module)`,
    );
  }
}

/** `export * from "..."` or `export * as ns from "..."` at the start of a line. */
const WHOLESALE_EXPORT = /^\s*export\s*\*\s*(?:as\s+\w+\s*)?from\s*["']/m;

/**
 * Every layering problem of the repository at repoRoot, one line each. Notes (e.g. an allowlisted
 * cycle that no longer exists) go to `notes` when given; they do not fail the check.
 */
export function checkLayers(repoRoot, notes = []) {
  const root = path.resolve(repoRoot);
  const ctx = { root, problems: [], packageGraph: new Map() };
  const allowedSeen = new Set();
  const packages = [];
  for (const { dir, whole } of discoverPackages(root)) {
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    const rel = path.relative(root, dir) || ".";
    const layer = LAYERS[manifest.name];
    if (layer === undefined) {
      ctx.problems.push(`${rel}: package ${manifest.name} has no layer; add it to scripts/check-layers.mjs`);
      continue;
    }
    packages.push({ dir, whole, rel, manifest, name: manifest.name, layer, modules: new Map() });
    ctx.packageGraph.set(manifest.name, new Set());
  }
  for (const pkg of packages) {
    checkManifest(ctx, pkg);
    const files = filesOf(pkg);
    for (const entry of files) if (entry.production) pkg.modules.set(entry.file, new Set());
    for (const entry of files) {
      const text = readFileSync(entry.file, "utf8");
      for (const found of importsOf(text)) checkImport(ctx, pkg, entry, found);
      if (entry.production && WHOLESALE_EXPORT.test(text)) {
        const where = path.relative(root, entry.file).split(path.sep).join("/");
        ctx.problems.push(`${where}: \`export * from\` re-exports a module wholesale; name each export`);
      }
    }
    checkModuleCycles(ctx, pkg, allowedSeen);
  }
  for (const cycle of findCycles(ctx.packageGraph)) {
    ctx.problems.push(`import cycle between packages: ${cycle.path.join(" -> ")}`);
  }
  for (const entry of ALLOWED_CYCLES) {
    if (!allowedSeen.has(entry))
      notes.push(`allowed cycle no longer exists (${entry.reason}); delete its entry in ALLOWED_CYCLES`);
  }
  return ctx.problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), ".."));
  const notes = [];
  const problems = checkLayers(root, notes);
  for (const note of notes) console.log(`layering: note: ${note}`);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`layering: ${problem}`);
    console.error(`layering: ${problems.length} violation(s); see DESIGN.md "Packages and layers"`);
    process.exit(1);
  }
  console.log("layering: ok");
}
