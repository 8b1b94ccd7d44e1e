// scripts/check-changesets.mjs against scratch git repositories: a changed publishable package
// must be named by a pending changeset, counting from the last "Version Packages" commit or
// `release-*` tag (else the root commit).
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "scripts",
  "check-changesets.mjs",
);
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.invalid",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: "/nonexistent",
};

const repos: string[] = [];
afterEach(() => {
  for (const dir of repos.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

function write(root: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}

function commit(root: string, message: string): void {
  git(root, "add", "-A");
  git(root, "commit", "-q", "--allow-empty", "-m", message);
}

/** A repo with two publishable packages, one private package and a root commit. */
function scratchRepo(): string {
  const root = tempDir("millrace-changesets-");
  repos.push(root);
  git(root, "init", "-q", "-b", "main");
  write(root, "packages/alpha/package.json", JSON.stringify({ name: "@demo/alpha", version: "1.0.0" }));
  write(root, "packages/beta/package.json", JSON.stringify({ name: "@demo/beta", version: "1.0.0" }));
  write(root, "apps/tool/package.json", JSON.stringify({ name: "demo-tool", private: true }));
  write(root, ".changeset/README.md", "# Changesets\n");
  commit(root, "initial");
  return root;
}

function check(root: string) {
  const result = spawnSync(process.execPath, [SCRIPT], { cwd: root, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("check-changesets", () => {
  it("passes when nothing changed since the root commit", () => {
    const root = scratchRepo();
    const result = check(root);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("0 changed package(s)");
    expect(result.stdout).toContain("root commit");
  });

  it("fails naming the package that changed without a changeset, with a hint", () => {
    const root = scratchRepo();
    write(root, "packages/alpha/src/index.ts", "export const a = 1;\n");
    commit(root, "alpha: feature");
    const result = check(root);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("1 changed package(s) without a changeset");
    expect(result.stderr).toContain("- @demo/alpha");
    expect(result.stderr).not.toContain("@demo/beta");
    expect(result.stderr).toContain("hint: run `pnpm changeset`");
  });

  it("passes when a pending changeset names the changed package (quoted or bare keys)", () => {
    const root = scratchRepo();
    write(root, "packages/alpha/src/index.ts", "export const a = 1;\n");
    write(root, "packages/beta/src/index.ts", "export const b = 1;\n");
    write(root, ".changeset/one.md", '---\n"@demo/alpha": minor\n---\n\nAlpha grows a feature.\n');
    write(root, ".changeset/two.md", "---\n'@demo/beta': patch\n---\n\nBeta fix.\n");
    commit(root, "features with changesets");
    const result = check(root);
    expect(result.stdout).toContain("2 changed package(s)");
    expect(result.status).toBe(0);
  });

  it("does not count a package mentioned only in a changeset's prose", () => {
    const root = scratchRepo();
    write(root, "packages/alpha/src/index.ts", "export const a = 1;\n");
    write(root, ".changeset/empty.md", "---\n---\n\n@demo/alpha: minor is mentioned here only.\n");
    commit(root, "alpha without a real changeset");
    expect(check(root).status).toBe(1);
  });

  it("ignores private packages and files outside packages", () => {
    const root = scratchRepo();
    write(root, "apps/tool/index.js", "console.log(1);\n");
    write(root, "docs/guide.md", "# Guide\n");
    commit(root, "tooling and docs");
    expect(check(root).status).toBe(0);
  });

  it("counts only changes after the last Version Packages commit", () => {
    const root = scratchRepo();
    write(root, "packages/alpha/src/index.ts", "export const a = 1;\n");
    commit(root, "alpha: feature");
    commit(root, "Version Packages");
    expect(check(root).status).toBe(0);
    write(root, "packages/beta/src/index.ts", "export const b = 2;\n");
    commit(root, "beta: change");
    const result = check(root);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("- @demo/beta");
    expect(result.stderr).not.toContain("@demo/alpha");
    expect(result.stderr).toContain('commit "Version Packages"');
  });

  it("uses a release-* tag (lightweight or annotated) as the base", () => {
    const root = scratchRepo();
    write(root, "packages/alpha/src/index.ts", "export const a = 1;\n");
    commit(root, "alpha: feature");
    git(root, "tag", "release-2026-01-01");
    expect(check(root).stdout).toContain("tag release-2026-01-01");
    write(root, "packages/beta/src/index.ts", "export const b = 2;\n");
    commit(root, "beta: change");
    git(root, "tag", "-a", "release-2026-02-01", "-m", "release");
    const result = check(root);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("tag release-2026-02-01");
  });

  it("reads changesets at HEAD, not uncommitted files", () => {
    const root = scratchRepo();
    write(root, "packages/alpha/src/index.ts", "export const a = 1;\n");
    commit(root, "alpha: feature");
    write(root, ".changeset/uncommitted.md", '---\n"@demo/alpha": minor\n---\n\nNot committed yet.\n');
    expect(check(root).status).toBe(1);
  });

  it("exits 2 with one line outside a git repository", () => {
    const dir = tempDir("millrace-nogit-");
    repos.push(dir);
    const result = spawnSync(process.execPath, [SCRIPT, dir], {
      cwd: dir,
      encoding: "utf8",
      env: { ...GIT_ENV, GIT_CEILING_DIRECTORIES: path.dirname(dir) },
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("cannot read the git history");
  });

  it("refuses a shallow clone that cannot see the last release (exit 2)", () => {
    const root = scratchRepo();
    write(root, "packages/alpha/src/index.ts", "export const a = 1;\n");
    commit(root, "alpha: feature");
    const shallow = tempDir("millrace-shallow-");
    repos.push(shallow);
    git(shallow, "clone", "-q", "--depth", "1", `file://${root}`, "clone");
    const result = check(path.join(shallow, "clone"));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("shallow clone");
    expect(result.stderr).toContain("fetch-depth: 0");
  });

  it("accepts a shallow clone whose history reaches a Version Packages commit", () => {
    const root = scratchRepo();
    commit(root, "Version Packages");
    write(root, "packages/alpha/src/index.ts", "export const a = 1;\n");
    write(root, ".changeset/alpha.md", '---\n"@demo/alpha": patch\n---\n\nFix.\n');
    commit(root, "alpha: fix");
    const shallow = tempDir("millrace-shallow-");
    repos.push(shallow);
    git(shallow, "clone", "-q", "--depth", "2", `file://${root}`, "clone");
    const result = check(path.join(shallow, "clone"));
    expect(result.stdout).toContain('commit "Version Packages"');
    expect(result.status).toBe(0);
  });
});
