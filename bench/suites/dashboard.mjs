// Dashboard at scale: a workspace with 10,000 queued tasks and 1,000 runs. API latency of
// `/status`, `/runs` (its default page and `all=1`) and `/queue` (its default page), median over
// repeated requests to an in-process `@millrace/server`; and
// the first paint of the Overview in Debian's headless Chromium (performance timing of the page:
// first-contentful-paint, and the moment the Overview's data is on screen).
// The runs are copies of a few seed runs, so they share their seeds' start times, newer than no
// folder's `stage_results/` time: the newest-first walk behind `/runs`'s page cannot stop early
// here and reads every folder, as `all=1` does. Real runs start in order and the page reads ~50.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { openQueueStore } from "@millrace/queue-store";
import { startDashboardServer } from "@millrace/server";
import { workspacePaths } from "@millrace/workspace";
import { chromium } from "playwright-core";
import { benchTaskDoc, median, report } from "../lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, "..", "..", "apps", "cli", "dist", "bin.cjs");
const WEB = path.resolve(here, "..", "..", "apps", "cli", "dist", "web");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TASKS = 10_000;
const RUNS = 1_000;
const REQUESTS = 9;
const PAINTS = 5;

// The demo leaves real run folders; each is cloned under fresh ids until there are RUNS of them.
const root = path.join(os.tmpdir(), `millrace-bench-dashboard-${process.pid}`);
const demo = spawnSync(process.execPath, [CLI, "demo", root, "--json"], { encoding: "utf8" });
if (demo.status !== 0) throw new Error(`millrace demo failed: ${demo.stderr}`);
const paths = workspacePaths(root);
{
  const started = performance.now();
  const seeds = readdirSync(paths.runs).filter((name) => name.startsWith("run-"));
  if (seeds.length === 0) throw new Error("the demo left no run folder to clone");
  for (let i = 0; readdirSync(paths.runs).length < RUNS; i++) {
    const seed = seeds[i % seeds.length];
    const id = `run-${i.toString(16).padStart(32, "0")}`;
    const target = path.join(paths.runs, id);
    cpSync(path.join(paths.runs, seed), target, { recursive: true });
    for (const name of readdirSync(path.join(target, "stage_results"))) {
      const file = path.join(target, "stage_results", name);
      writeFileSync(file, readFileSync(file, "utf8").replaceAll(seed, id));
    }
  }
  const store = openQueueStore(paths);
  for (let i = 0; i < TASKS; i += 1) store.enqueue("task", benchTaskDoc(i));
  store.flush();
  report(`setup: ${RUNS} runs + ${TASKS} queued tasks`, performance.now() - started);
}

const server = await startDashboardServer({ workspaces: [root], port: 0, staticRoot: WEB });
const id = server.workspaces[0].id;

async function latency(route) {
  const url = `${server.url}api/w/${id}/${route}`;
  const first = await fetch(url);
  if (!first.ok) throw new Error(`${route}: HTTP ${first.status} ${await first.text()}`);
  const body = await first.json();
  const times = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    times.push(performance.now() - started);
  }
  return { ms: median(times), body };
}

const status = await latency("status");
if (status.body.planes.execution.queue_depth !== TASKS)
  throw new Error(`status reports ${status.body.planes.execution.queue_depth} queued, expected ${TASKS}`);
report(`GET /api/w/:id/status at ${TASKS} queued (median of ${REQUESTS})`, status.ms);
const runs = await latency("runs");
if (runs.body.total !== RUNS || runs.body.runs.length !== Math.min(50, RUNS))
  throw new Error(`runs lists ${runs.body.runs.length} of ${runs.body.total}, expected 50 of ${RUNS}`);
report(`GET /api/w/:id/runs at ${RUNS} runs, default page of 50 (median of ${REQUESTS})`, runs.ms);
const allRuns = await latency("runs?all=1");
if (allRuns.body.runs.length !== RUNS)
  throw new Error(`runs?all=1 lists ${allRuns.body.runs.length}, expected ${RUNS}`);
report(`GET /api/w/:id/runs?all=1 at ${RUNS} runs (median of ${REQUESTS})`, allRuns.ms);
const queue = await latency("queue");
if (queue.body.limit !== 100 || queue.body.total < TASKS || queue.body.items.length >= queue.body.total)
  throw new Error(
    `queue lists ${queue.body.items.length} of ${queue.body.total}, expected a page of ${TASKS}`,
  );
report(`GET /api/w/:id/queue at ${TASKS} queued, default page (median of ${REQUESTS})`, queue.ms);

if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu"],
});
const fcp = [];
const ready = [];
for (let i = 0; i < PAINTS; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="runtime"]');
  const timing = await page.evaluate(() => ({
    fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
    ready: performance.getEntriesByName("millrace:first-data")[0]?.startTime ?? Number.NaN,
  }));
  fcp.push(timing.fcp);
  ready.push(timing.ready);
  await context.close();
}
report(`Overview first-contentful-paint (median of ${PAINTS} fresh loads)`, median(fcp));
report(`Overview with its data on screen (median of ${PAINTS})`, median(ready));
await browser.close();
await server.close();
rmSync(root, { recursive: true, force: true });
