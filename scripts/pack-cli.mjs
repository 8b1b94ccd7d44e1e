#!/usr/bin/env node
// `pnpm pack:cli [DIR]`: the installable CLI. Packs `millrace` and every @millrace package it needs
// (followed through `workspace:` dependencies) with `pnpm pack`, which writes real version ranges
// in place of `workspace:*` and `catalog:`, into DIR (default: dist-pack/ at the repo root), checks
// that no such protocol survived, and prints the tarball paths, CLI first. Install them with
//   npm i -g --prefix ~/.local DIR/*.tgz
// Needs the packages built (`pnpm build`) and pnpm on PATH.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function manifestOf(dir) {
  return JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
}

/** package name → folder, for every package of the monorepo. */
function workspaceFolders() {
  const folders = new Map();
  for (const group of ["packages", "apps"]) {
    for (const name of readdirSync(path.join(repo, group))) {
      const dir = path.join(repo, group, name);
      try {
        folders.set(manifestOf(dir).name, dir);
      } catch {
        // not a package folder
      }
    }
  }
  return folders;
}

/** The CLI's folder and those of the workspace packages it depends on at run time, CLI first. */
export function cliClosure() {
  const folders = workspaceFolders();
  const seen = new Set();
  const order = [];
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    const dir = folders.get(name);
    if (!dir) throw new Error(`pack-cli: no workspace package named ${name}`);
    order.push(dir);
    for (const [dep, range] of Object.entries(manifestOf(dir).dependencies ?? {})) {
      if (String(range).startsWith("workspace:")) visit(dep);
    }
  };
  visit("millrace");
  return order;
}

/** The package.json inside a tarball. */
function packedManifest(tarball) {
  return JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }));
}

export function packCli(destination) {
  rmSync(destination, { recursive: true, force: true });
  mkdirSync(destination, { recursive: true });
  const tarballs = [];
  for (const dir of cliClosure()) {
    const before = new Set(readdirSync(destination));
    const packed = spawnSync("pnpm", ["pack", "--pack-destination", destination], {
      cwd: dir,
      encoding: "utf8",
    });
    if (packed.status !== 0) {
      throw new Error(
        `pnpm pack failed in ${path.relative(repo, dir)}: ${packed.stderr}${packed.error ?? ""}`,
      );
    }
    const added = readdirSync(destination).filter((file) => !before.has(file) && file.endsWith(".tgz"));
    if (added.length !== 1)
      throw new Error(`pack-cli: expected one tarball from ${dir}, got ${added.join(", ")}`);
    const tarball = path.join(destination, added[0]);
    const manifest = packedManifest(tarball);
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
      for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
        if (/^(workspace|catalog):/.test(String(range))) {
          throw new Error(`pack-cli: ${manifest.name} still has ${field}.${dep} = ${range}`);
        }
      }
    }
    tarballs.push(tarball);
  }
  return tarballs;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const destination = path.resolve(
    process.env.INIT_CWD ?? process.cwd(),
    process.argv[2] ?? path.join(repo, "dist-pack"),
  );
  try {
    for (const tarball of packCli(destination)) console.log(tarball);
  } catch (error) {
    console.error(`error: ${error.message}`);
    console.error("hint: run `pnpm build` first, and run this through pnpm (`pnpm pack:cli`).");
    process.exit(1);
  }
}
