import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";

export function tempDir(prefix = "millrace-ws-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A digest of every path, type, mode and content under `root`, to prove nothing changed. */
export function hashTree(root: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      hash.update(`missing:${dir}\n`);
      return;
    }
    for (const name of names) {
      const full = path.join(dir, name);
      const stat = lstatSync(full);
      hash.update(`${path.relative(root, full)}\0${stat.mode}\0`);
      if (stat.isDirectory()) walk(full);
      else if (stat.isFile()) hash.update(readFileSync(full));
    }
  };
  walk(root);
  return hash.digest("hex");
}

/** A small packaged-assets tree for tests that must not depend on the real baseline. */
export function fakeAssets(files: Record<string, string> = {}): string {
  const root = tempDir("millrace-assets-");
  const all: Record<string, string> = {
    "millrace.toml": '[runtime]\ndefault_mode = "default_codex"\n',
    "entrypoints/execution/builder.md": "# Builder\n",
    "entrypoints/planning/planner.md": "# Planner\n",
    "skills/shared/a/SKILL.md": "skill a\n",
    "modes/default_codex.json": "{}\n",
    "graphs/execution/standard.json": "{}\n",
    ".hidden/skip.md": "never deployed\n",
    ...files,
  };
  for (const [rel, content] of Object.entries(all)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return root;
}

export function copyDir(source: string): string {
  const target = tempDir("millrace-copy-");
  cpSync(source, target, { recursive: true });
  return target;
}

export const distEntry = new URL("../dist/index.js", import.meta.url).href;

export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/**
 * Makes `dir` really unwritable, also for root: chmod 0o500 for a normal user; as root, chmod does
 * not stop writes, so the immutable attribute (chattr +i) is used when the file system supports it.
 * Returns an undo function, or undefined when no method works here.
 */
export function makeUnwritable(dir: string): (() => void) | undefined {
  if (!isRoot) {
    chmodSync(dir, 0o500);
    return () => chmodSync(dir, 0o700);
  }
  const set = spawnSync("chattr", ["+i", dir]);
  if (set.status !== 0) return undefined;
  return () => {
    spawnSync("chattr", ["-i", dir]);
  };
}
