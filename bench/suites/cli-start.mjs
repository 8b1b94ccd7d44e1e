// CLI cold start, command by command, on a workspace with 10,000 queued tasks (DESIGN.md budget for
// `status` / `queue ls`: under 300 ms). Each figure is the median wall time of fresh processes, on
// demand and eager run alternately so that machine load hits both alike. "eager" rows import every
// command module before running, which is what the CLI did before commands were loaded on demand.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { openQueueStore } from "@millrace/queue-store";
import { workspacePaths } from "@millrace/workspace";
import { median, report } from "../lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.resolve(here, "..", "..", "apps", "cli", "dist");
const CLI = path.join(DIST, "bin.cjs");
const COUNT = 10_000;
const RUNS = 9;

const scratch = mkdtempSync(path.join(os.tmpdir(), "millrace-bench-cli-"));
const root = path.join(scratch, "ws");
const EAGER = path.join(scratch, "eager.mjs");
writeFileSync(
  EAGER,
  `await import(${JSON.stringify(pathToFileURL(path.join(DIST, "commands", "index.js")).href)});\n` +
    `const { main } = await import(${JSON.stringify(pathToFileURL(path.join(DIST, "main.js")).href)});\n` +
    "process.exitCode = await main(process.argv.slice(2));\n",
);

const init = spawnSync(process.execPath, [CLI, "init", root], { encoding: "utf8" });
if (init.status !== 0) throw new Error(`millrace init failed: ${init.stderr}`);
{
  const store = openQueueStore(workspacePaths(root));
  const started = performance.now();
  for (let i = 0; i < COUNT; i += 1) {
    const id = `task-${String(i).padStart(6, "0")}`;
    store.enqueue("task", {
      kind: "task",
      task_id: id,
      title: `Benchmark task ${i}`,
      target_paths: ["src/"],
      acceptance: ["passes"],
      required_checks: ["npm test"],
      references: ["bench"],
      risk: ["low"],
      created_at: "2026-01-01T00:00:00Z",
      created_by: "bench",
    });
  }
  store.flush();
  report(`setup: enqueue ${COUNT} tasks`, performance.now() - started, COUNT);
}

function once(args) {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`node ${args.join(" ")} failed: ${run.stderr}`);
  return performance.now() - started;
}

/** Median wall milliseconds of each variant, over RUNS rounds that run every variant once. */
function measure(variants) {
  const times = variants.map(() => []);
  for (let i = 0; i < RUNS; i += 1) {
    for (const [v, args] of variants.entries()) times[v].push(once(args));
  }
  return times.map(median);
}

const cases = [
  ["version", ["version"]],
  ["--help", ["--help"]],
  ["status --json", ["-w", root, "status", "--json"]],
  ["queue ls --json", ["-w", root, "queue", "ls", "--json"]],
  // Every item rather than the default page: 3 MB of JSON, for which there is no budget.
  ["queue ls --json --all", ["-w", root, "queue", "ls", "--json", "--all"]],
];
for (const [label, args] of cases) {
  // `node -e 0` runs interleaved with the command, so each ratio is to the floor of its own rounds.
  const [floor, lazy, eager] = measure([
    ["-e", "0"],
    [CLI, ...args],
    [EAGER, ...args],
  ]);
  report(`${label} (on demand)`, lazy, undefined, { floor });
  report(`${label} (eager, as before)`, eager, undefined, { floor });
}
console.log(
  `budget (DESIGN.md): --version at most 1.3× node -e 0; status and queue ls --json (its default page) on ${COUNT} queued at most 1.8×`,
);
rmSync(scratch, { recursive: true, force: true });
