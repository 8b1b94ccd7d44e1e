#!/usr/bin/env node
// The README's main job: `millrace demo` creates a fresh workspace, queues a spec and a task, and
// drives them through planning, execution and Arbiter closure with the scripted runner, printing
// each stage as it happens and the final status.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(repo, "apps", "cli", "dist", "bin.cjs");
console.log(`$ millrace demo ${process.argv.slice(2).join(" ")}`.trimEnd());
const result = spawnSync(process.execPath, [bin, "demo", ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(result.status ?? 1);
