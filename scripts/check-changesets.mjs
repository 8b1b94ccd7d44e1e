#!/usr/bin/env node
// Release hygiene: fails when a publishable package changed since the last release without a
// pending changeset naming it.
//
//   base     = the most recent commit (walking back from HEAD) whose subject starts with
//              "Version Packages" or that a `release-*` tag points at; else the root commit.
//   changed  = every package (packages/*, apps/*; private ones skipped) with a file that differs
//              between base and HEAD.
//   named    = packages listed in the front matter of a `.changeset/*.md` file present at HEAD.
//   changed \ named must be empty.
//
// Usage: node scripts/check-changesets.mjs [repo-dir]   (default: the git repository of the cwd)
// Needs the history back to the last release: in CI, check out with full history (fetch-depth: 0);
// a shallow clone without a release commit in it is refused (exit 2) rather than passed vacuously.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_GROUPS = ["packages", "apps"];

function git(cwd, args) {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** The commit the release window starts from, and why it was chosen. */
export function findBase(cwd) {
  const tagged = new Map();
  const tags = git(cwd, [
    "tag",
    "--list",
    "release-*",
    "--format=%(objectname)%09%(*objectname)%09%(refname:short)",
  ]);
  for (const line of tags.split("\n")) {
    const [object, peeled, name] = line.split("\t");
    // Annotated tags point at the commit through %(*objectname); lightweight ones directly.
    if (object) tagged.set(peeled || object, name);
  }
  const log = git(cwd, ["log", "--topo-order", "--format=%H%x09%s", "HEAD"]).split("\n").filter(Boolean);
  for (const line of log) {
    const [sha, subject = ""] = line.split("\t");
    if (subject.startsWith("Version Packages")) return { sha, reason: `commit "${subject}"` };
    if (tagged.has(sha)) return { sha, reason: `tag ${tagged.get(sha)}` };
  }
  if (git(cwd, ["rev-parse", "--is-shallow-repository"]).trim() === "true") {
    // The shallow boundary is not the repository's root: counting from it would miss changes.
    throw new Error(
      "shallow clone without a release commit in its history; fetch the full history (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)",
    );
  }
  const root = git(cwd, ["rev-list", "--max-parents=0", "HEAD"]).trim().split("\n").pop();
  return { sha: root, reason: "root commit" };
}

/** Publishable packages at HEAD: `{ dir, name }` with `dir` relative to the repository root. */
export function publishablePackagesAtHead(cwd) {
  const files = git(cwd, ["ls-tree", "-r", "--name-only", "HEAD", "--", ...PACKAGE_GROUPS]).split("\n");
  const out = [];
  for (const file of files) {
    const parts = file.split("/");
    if (parts.length !== 3 || parts[2] !== "package.json") continue;
    const manifest = JSON.parse(git(cwd, ["show", `HEAD:${file}`]));
    if (!manifest.private && manifest.name) out.push({ dir: `${parts[0]}/${parts[1]}`, name: manifest.name });
  }
  return out;
}

/** Package names in a changeset's front matter (`"name": bump` lines between `---` fences). */
export function changesetPackages(text) {
  const match = /^---\r?\n([\s\S]*?)\r?\n?---/.exec(text.replace(/^\uFEFF/, ""));
  if (!match) return [];
  const names = [];
  for (const line of match[1].split(/\r?\n/)) {
    const entry = /^\s*(?:"([^"]+)"|'([^']+)'|([^\s:]+))\s*:\s*(major|minor|patch|none)\s*$/.exec(line);
    if (entry) names.push(entry[1] ?? entry[2] ?? entry[3]);
  }
  return names;
}

export function checkChangesets(cwd) {
  const root = git(cwd, ["rev-parse", "--show-toplevel"]).trim();
  const base = findBase(root);
  const changedFiles = git(root, ["diff", "--name-only", "--no-renames", base.sha, "HEAD"])
    .split("\n")
    .filter(Boolean);
  const packages = publishablePackagesAtHead(root);
  const changed = packages.filter((pkg) => changedFiles.some((file) => file.startsWith(`${pkg.dir}/`)));
  const named = new Set();
  const changesetFiles = git(root, ["ls-tree", "--name-only", "HEAD", ".changeset/"])
    .split("\n")
    .filter((file) => file.endsWith(".md") && path.basename(file).toLowerCase() !== "readme.md");
  for (const file of changesetFiles) {
    for (const name of changesetPackages(git(root, ["show", `HEAD:${file}`]))) named.add(name);
  }
  const missing = changed.filter((pkg) => !named.has(pkg.name));
  return {
    base,
    changed: changed.map((pkg) => pkg.name),
    named: [...named].sort(),
    missing: missing.map((pkg) => pkg.name),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cwd = path.resolve(process.argv[2] ?? process.cwd());
  let result;
  try {
    result = checkChangesets(cwd);
  } catch (error) {
    const reason = (error.stderr ? String(error.stderr) : "") || error.message;
    console.error(`check-changesets: cannot read the git history of ${cwd}: ${reason.trim().split("\n")[0]}`);
    process.exit(2);
  }
  const { base, changed, missing } = result;
  const since = `since ${base.sha.slice(0, 12)} (${base.reason})`;
  if (missing.length > 0) {
    console.error(`check-changesets: ${missing.length} changed package(s) without a changeset ${since}:`);
    for (const name of missing) console.error(`  - ${name}`);
    console.error("hint: run `pnpm changeset`, name each package above, and commit the .changeset/*.md file");
    process.exit(1);
  }
  console.log(`check-changesets: ok, ${changed.length} changed package(s) ${since}, all with a changeset`);
}
