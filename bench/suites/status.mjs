// Status cold start: `millrace status --json` in a fresh process on a workspace with 10,000 queued
// tasks (DESIGN.md budget: at most 1.8× `node -e 0`), plus the in-process readStatus figure and a bare `node`
// start for scale. Status counts the queue from the folder listings; it reads neither the queue index
// nor any queue document.
// Then `runs ls --limit 20` on a workspace with 10,000 finished runs (issue 19: under 150 ms cold),
// which reads only the run folders that can be among the newest 20.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { openQueueStore } from "@millrace/queue-store";
import { readStatus } from "@millrace/scheduler";
import { workspacePaths } from "@millrace/workspace";
import { benchTaskDoc, median, paired, report, spawnMs, writeBenchRun } from "../lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, "..", "..", "apps", "cli", "dist", "bin.cjs");
const COUNT = 10_000;
const RUNS = 11;
const BUDGET_RATIO = 1.8;

const root = path.join(os.tmpdir(), `millrace-bench-status-${process.pid}`);
const init = spawnSync(process.execPath, [CLI, "init", root], { encoding: "utf8" });
if (init.status !== 0) throw new Error(`millrace init failed: ${init.stderr}`);
const paths = workspacePaths(root);
{
  const store = openQueueStore(paths);
  const started = performance.now();
  for (let i = 0; i < COUNT; i += 1) store.enqueue("task", benchTaskDoc(i));
  store.flush();
  report(`setup: enqueue ${COUNT} tasks + save the index`, performance.now() - started, COUNT);
}

// The validated-config cache (docs/configuration.md) in a folder of the bench's own, filled by the
// first run below, as an operator's is after the first command; the figure without it is printed too.
const cacheDir = path.join(os.tmpdir(), `millrace-bench-status-cache-${process.pid}`);
const withCache = { env: { ...process.env, MILLRACE_CACHE_DIR: cacheDir } };
const withoutCache = { env: { ...process.env, MILLRACE_CACHE_DIR: "off" } };
const spawnStatus = () =>
  spawnSync(process.execPath, [CLI, "-w", root, "status", "--json"], { encoding: "utf8", ...withCache });
const first = spawnStatus();
if (first.status !== 0) throw new Error(`millrace status failed: ${first.stderr}`);
const depth = JSON.parse(first.stdout).planes.execution.queue_depth;
if (depth !== COUNT) throw new Error(`status reported queue depth ${depth}, expected ${COUNT}`);

// Paired and interleaved with `node -e 0` and `millrace version`, so the ratios share machine load.
const [floor, cold, version, uncached] = await paired(
  [
    { label: "node -e 0", run: () => spawnMs(["-e", "0"]) },
    { label: "status --json", run: () => spawnMs([CLI, "-w", root, "status", "--json"], withCache) },
    { label: "version", run: () => spawnMs([CLI, "version"]) },
    {
      label: "status --json, no config cache",
      run: () => spawnMs([CLI, "-w", root, "status", "--json"], withoutCache),
    },
  ],
  { rounds: RUNS },
);
const coldMedian = cold.median;
report(
  `status --json cold start on ${COUNT} queued (median of ${RUNS}, budget 1.8× node)`,
  coldMedian,
  undefined,
  {
    floor: floor.median,
  },
);
report(`  of which: CLI start without work (millrace version)`, version.median, undefined, {
  floor: floor.median,
});
report(
  `  the same with the validated-config cache off (MILLRACE_CACHE_DIR=off)`,
  uncached.median,
  undefined,
  {
    floor: floor.median,
  },
);

const inProcess = [];
for (let i = 0; i < RUNS; i += 1) {
  const started = performance.now();
  readStatus(root);
  inProcess.push(performance.now() - started);
}
report(`  in-process readStatus (median of ${RUNS})`, median(inProcess));
const ratio = coldMedian / floor.median;
console.log(
  `status cold start ${ratio.toFixed(2)}× node -e 0: ${ratio <= BUDGET_RATIO ? "within" : "OVER"} the ${BUDGET_RATIO}× budget`,
);

rmSync(root, { recursive: true, force: true });
rmSync(cacheDir, { recursive: true, force: true });

const RUN_COUNT = 10_000;
const RUNS_TARGET_MS = 150;
// The issue set 150 ms on a machine whose `node -e 0` took 54 ms: 2.78× that floor. On a slower host
// the absolute target says more about the host than the code, so the ratio is printed beside it.
const RUNS_TARGET_FLOOR_MS = 54;
const history = path.join(os.tmpdir(), `millrace-bench-runs-${process.pid}`);
{
  const made = spawnSync(process.execPath, [CLI, "init", history], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`millrace init failed: ${made.stderr}`);
  const started = performance.now();
  const runsDir = workspacePaths(history).runs;
  for (let i = 0; i < RUN_COUNT; i += 1) writeBenchRun(runsDir, i);
  report(`setup: write ${RUN_COUNT} finished run folders`, performance.now() - started, RUN_COUNT);
}
const runsLs = [CLI, "-w", history, "runs", "ls", "--limit", "20", "--json"];
const listed = JSON.parse(spawnSync(process.execPath, runsLs, { encoding: "utf8" }).stdout).runs;
if (listed.length !== 20 || listed[19].work_item_id !== `task-${String(RUN_COUNT - 1).padStart(6, "0")}`) {
  throw new Error("runs ls --limit 20 did not list the newest 20 runs");
}
const [runsFloor, runsCold] = await paired(
  [
    { label: "node -e 0", run: () => spawnMs(["-e", "0"]) },
    { label: "runs ls --limit 20", run: () => spawnMs(runsLs) },
  ],
  { rounds: RUNS },
);
report(
  `runs ls --limit 20 --json cold on ${RUN_COUNT} runs (median of ${RUNS}, target ${RUNS_TARGET_MS} ms)`,
  runsCold.median,
  undefined,
  { floor: runsFloor.median },
);
{
  const ratio = runsCold.median / runsFloor.median;
  const targetRatio = RUNS_TARGET_MS / RUNS_TARGET_FLOOR_MS;
  console.log(
    `runs ls --limit 20 cold start ${runsCold.median.toFixed(0)} ms: ${runsCold.median <= RUNS_TARGET_MS ? "within" : "OVER"} the ${RUNS_TARGET_MS} ms target; ${ratio.toFixed(2)}× node -e 0, ${ratio <= targetRatio ? "within" : "OVER"} the target's ${targetRatio.toFixed(2)}× (${RUNS_TARGET_MS} ms at the issue's ${RUNS_TARGET_FLOOR_MS} ms floor)`,
  );
}
rmSync(history, { recursive: true, force: true });
