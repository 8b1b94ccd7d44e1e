// Compile time per shipped mode. Each mode is compiled in a fresh child process, so the figure
// includes module loading and every asset read: what the engine pays at startup.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { report } from "../lib.mjs";

const MODES = [
  "default_codex",
  "default_pi",
  "default_claude",
  "default_codex_integrated",
  "blueprint_codex",
  "learning_codex",
  "learning_pi",
  "learning_claude",
  "learning_codex_integrated",
  "blueprint_learning_codex",
  "demo",
];

if (process.argv[2] === "--child") {
  // Child: import, compile once (persisting the canonical plan), print the in-process figures.
  const started = performance.now();
  const { compilePlan } = await import("@millrace/compiler");
  const { MillraceConfigSchema } = await import("@millrace/contracts");
  const loaded = performance.now();
  const mode = process.argv[3];
  const root = process.argv[4];
  const config = MillraceConfigSchema.parse({ runtime: { default_mode: mode } });
  const result = compilePlan(root, config);
  const compiled = performance.now();
  const again = compilePlan(root, config);
  const warm = performance.now();
  if (!result.ok || !again.ok) {
    console.error(result.diagnostics.errors.join("\n"));
    process.exit(1);
  }
  console.log(JSON.stringify({ load: loaded - started, cold: compiled - loaded, warm: warm - compiled }));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
let failed = 0;
console.log("cold process: spawn + import + first compile; in-process: first and second compile only");
for (const mode of MODES) {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-bench-compile-"));
  const start = performance.now();
  const child = spawnSync(process.execPath, [self, "--child", mode, root], { encoding: "utf8" });
  const total = performance.now() - start;
  rmSync(root, { recursive: true, force: true });
  if (child.status !== 0) {
    console.error(`${mode}: compile failed\n${child.stderr}`);
    failed += 1;
    continue;
  }
  const figures = JSON.parse(child.stdout.trim().split("\n").pop());
  report(`compile ${mode} (cold process total)`, total);
  report(`  in-process first compile`, figures.cold);
  report(`  in-process second compile (same process)`, figures.warm);
}
if (failed > 0) process.exit(1);
