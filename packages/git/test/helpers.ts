import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import type { GitOptions } from "../src/index.js";

const cleanups: string[] = [];
afterEach(() => {
  for (const dir of cleanups.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export const AUTHOR = { name: "Lane Bot", email: "lanes@example.test" };

/** A fresh temp folder removed after the test, with an empty HOME so no user git config leaks in. */
export function tempDir(prefix = "millrace-git-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(dir);
  return dir;
}

export interface Sandbox {
  readonly root: string;
  readonly home: string;
  readonly options: GitOptions;
  /** Runs git for test setup and assertions (the code under test has its own runner). */
  git(cwd: string, ...args: string[]): string;
}

export function sandbox(): Sandbox {
  const root = tempDir();
  const home = path.join(root, "home");
  mkdirSync(home);
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    LC_ALL: "C",
    GIT_AUTHOR_NAME: "Test Setup",
    GIT_AUTHOR_EMAIL: "setup@example.test",
    GIT_COMMITTER_NAME: "Test Setup",
    GIT_COMMITTER_EMAIL: "setup@example.test",
  };
  return {
    root,
    home,
    options: { home },
    git: (cwd, ...args) => execFileSync("git", args, { cwd, env, encoding: "utf8" }).replace(/\n$/, ""),
  };
}

export function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** A repository on branch `main` with one commit, and repo-local identity (as a real user would have). */
export function makeRepo(
  box: Sandbox,
  name = "work",
  files: Record<string, string> = { "README.md": "hello\n" },
): string {
  const repo = path.join(box.root, name);
  mkdirSync(repo, { recursive: true });
  box.git(repo, "init", "--quiet", "--initial-branch=main");
  box.git(repo, "config", "user.name", "Repo User");
  box.git(repo, "config", "user.email", "user@example.test");
  for (const [file, text] of Object.entries(files)) write(path.join(repo, file), text);
  box.git(repo, "add", "-A");
  box.git(repo, "commit", "--quiet", "-m", "initial");
  return repo;
}

/** A bare repository on disk to serve as `origin`. */
export function makeBare(box: Sandbox, name = "origin.git"): string {
  const bare = path.join(box.root, name);
  box.git(box.root, "init", "--quiet", "--bare", "--initial-branch=main", bare);
  return bare;
}

export function commitFile(
  box: Sandbox,
  cwd: string,
  file: string,
  text: string,
  message = `edit ${file}`,
): string {
  write(path.join(cwd, file), text);
  box.git(cwd, "add", "-A");
  box.git(cwd, "commit", "--quiet", "-m", message);
  return box.git(cwd, "rev-parse", "HEAD");
}
