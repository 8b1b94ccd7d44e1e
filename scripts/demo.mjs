#!/usr/bin/env node
// The README's main job. Until the engine lands it initializes a fresh demo workspace and runs
// `millrace doctor` on it, printing what a user would see.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(repo, "apps", "cli", "dist", "bin.js");
const target = process.argv[2] ?? path.join(mkdtempSync(path.join(os.tmpdir(), "millrace-demo-")), "workspace");

function millrace(...args) {
  console.log(`$ millrace ${args.join(" ")}`);
  const result = spawnSync(process.execPath, [bin, ...args], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

millrace("init", target);
millrace("doctor", "--workspace", target);
