// Engine throughput and handoff overhead (DESIGN perf budget: < 10 ms per stage handoff in-process;
// daemon idle: no busy polling; memory flat). Tasks go builder -> checker -> updater in the `demo`
// mode, everything persisted (queue moves, snapshot, counters, events, stage results, run folders):
//   a) the scripted runner in-process,
//   b) the scripted runner as a node subprocess (`[runners.scripted] subprocess = true`),
//   c) a no-op runner adapter (registered over `scripted`) that answers at once: pure engine cost.
// Per stage, "wall minus the runner's own time" is the time between two stage results less the
// second stage's own duration (its envelope's); its p50 is the DESIGN figure (< 3 ms for the daemon
// with a subprocess runner).
//   q) the no-op runner with 10,000 queued items against an empty queue (flat with scale: 1.2×).
// Then the daemon sits idle for 5 s with watchers on, and its CPU time is reported.
// Knobs: BENCH_ENGINE_TASKS (default 1000), BENCH_ENGINE_SUBPROCESS_TASKS (default 100),
// BENCH_ENGINE_CASES (default "a,b,c,q,idle"; e.g. "c" alone under `node --cpu-prof`),
// BENCH_ENGINE_QUEUED (default 10000).
// Run: node bench/run.mjs engine   (the runner passes --expose-gc).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { openQueueStore, renderWorkDocument } from "@millrace/queue-store";
import { createEngine } from "@millrace/scheduler";
import { initWorkspace, workspacePaths } from "@millrace/workspace";
import { benchTaskDoc, median, record, runFloor } from "../lib.mjs";

const TASKS = Number.parseInt(process.env.BENCH_ENGINE_TASKS ?? "1000", 10);
const SUBPROCESS_TASKS = Number.parseInt(process.env.BENCH_ENGINE_SUBPROCESS_TASKS ?? "100", 10);
const CASES = new Set((process.env.BENCH_ENGINE_CASES ?? "a,b,c,q,idle").split(","));
const QUEUED = Number.parseInt(process.env.BENCH_ENGINE_QUEUED ?? "10000", 10);
const BUDGET_MS = 10;
const roots = [];

function workspace(tasks, extraConfig = "", idleSleepSeconds = 0.05) {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-bench-engine-"));
  roots.push(root);
  initWorkspace(root);
  const paths = workspacePaths(root);
  writeFileSync(
    paths.configFile,
    `[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = ${idleSleepSeconds}\n\n[runners.scripted]\nscript = "scripted/bench-script.json"\n${extraConfig}`,
  );
  mkdirSync(path.join(paths.runtimeRoot, "scripted"), { recursive: true });
  // No rules: every stage prints its first legal marker (builder -> checker -> updater -> done).
  writeFileSync(path.join(paths.runtimeRoot, "scripted", "bench-script.json"), JSON.stringify({ rules: [] }));
  const store = openQueueStore(paths);
  for (let index = 0; index < tasks; index += 1) {
    const id = `task-bench-${String(index).padStart(5, "0")}`;
    store.enqueue("task", {
      kind: "task",
      task_id: id,
      title: `Bench task ${index}`,
      summary: `Benchmark task ${index}`,
      target_paths: ["src/"],
      acceptance: ["it works"],
      required_checks: ["true"],
      references: ["none"],
      risk: ["low"],
      created_at: "2026-04-28T10:00:00Z",
      created_by: "bench",
    });
  }
  store.close();
  return root;
}

/** Answers every stage at once with its first legal marker: what is left is the engine's own cost. */
function noopRunner() {
  return {
    name: "scripted",
    async run(request, ctx) {
      const now = ctx.clock().toISOString();
      const marker = request.legal_terminal_markers[0] ?? "### BLOCKED";
      writeFileSync(ctx.artifacts.stdout, `${marker.startsWith("###") ? marker : `### ${marker}`}\n`);
      return {
        request_id: request.request_id,
        run_id: request.run_id,
        stage: request.stage,
        runner_name: "scripted",
        exit_kind: "completed",
        exit_code: 0,
        stdout_path: ctx.artifacts.stdout,
        started_at: now,
        ended_at: now,
      };
    },
  };
}

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function measureRun(label, tasks, { extraConfig = "", runners } = {}) {
  const root = workspace(tasks, extraConfig);
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 25);
  const stageMs = [];
  const handoffGaps = [];
  const perStage = [];
  let lastCompletedAt = null;
  const engine = createEngine({
    workspace: root,
    ...(runners ? { runners } : {}),
    monitor: (event) => {
      const now = performance.now();
      if (event.type === "stage_started" && lastCompletedAt !== null) handoffGaps.push(now - lastCompletedAt);
      if (event.type === "stage_completed") {
        const own = (event.durationSeconds ?? 0) * 1000;
        stageMs.push(own);
        if (lastCompletedAt !== null) perStage.push(now - lastCompletedAt - own);
        lastCompletedAt = now;
      }
    },
  });
  await engine.start();
  const started = performance.now();
  const report = await engine.runDaemon({ untilIdle: true });
  const wall = performance.now() - started;
  await engine.close();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  globalThis.gc?.();
  const rssAfter = process.memoryUsage().rss;
  const heapAfter = process.memoryUsage().heapUsed;
  const stages = stageMs.length;
  if (report.stopReason !== "idle" || stages !== tasks * 3) {
    throw new Error(
      `${label}: expected ${tasks * 3} stages and an idle stop, got ${stages} (${report.stopReason})`,
    );
  }
  const runnerTotal = stageMs.reduce((sum, ms) => sum + ms, 0);
  const overhead = (wall - runnerTotal) / stages;
  console.log(`\n${label}: ${tasks} tasks, ${stages} stages`);
  console.log(`  total wall time                         ${(wall / 1000).toFixed(2)} s`);
  console.log(`  stages per second                       ${((stages / wall) * 1000).toFixed(1)}`);
  console.log(`  wall per stage                          ${(wall / stages).toFixed(2)} ms`);
  console.log(
    `  runner time per stage (stage results)   ${(runnerTotal / stages).toFixed(2)} ms (median ${median(stageMs).toFixed(1)} ms)`,
  );
  console.log(
    `  engine overhead per handoff (wall - runner) ${overhead.toFixed(2)} ms   budget < ${BUDGET_MS} ms in-process: ${overhead < BUDGET_MS ? "within" : "OVER"}`,
  );
  console.log(`  gap stage_completed -> next stage_started  median ${median(handoffGaps).toFixed(2)} ms`);
  console.log(
    `  per stage, wall minus the runner's own time  p50 ${median(perStage).toFixed(2)} ms   budget < 3 ms: ${median(perStage) < 3 ? "within" : "OVER"}`,
  );
  console.log(`  RSS before ${mb(rssBefore)}, peak ${mb(peakRss)}, after run + gc ${mb(rssAfter)}`);
  console.log(`  (node -e 0 floor of this run: ${runFloor().toFixed(1)} ms)`);
  record(`${label}: engine overhead per handoff`, overhead);
  record(`${label}: gap stage_completed -> next stage_started, median`, median(handoffGaps));
  record(`${label}: per stage, wall minus the runner's own time, p50`, median(perStage));
  record(`${label}: peak RSS`, peakRss / 1024 / 1024, { unit: "MB" });
  console.log(`  JS heap used before ${mb(heapBefore)}, after run + gc ${mb(heapAfter)}`);
  return { wall, stages, overhead, p50: median(perStage) };
}

/**
 * Per-stage wall minus runner time (p50) of the no-op runner over the first `stages` stages, with
 * `queued` more items waiting behind them (written as files, as an operator's backlog would be).
 */
async function measureBacklog(queued, stages) {
  const root = workspace(Math.ceil(stages / 3) + 1);
  const dir = workspacePaths(root).queues.task.queue;
  for (let index = 0; index < queued; index += 1) {
    const doc = benchTaskDoc(index);
    writeFileSync(path.join(dir, `${doc.task_id}.md`), renderWorkDocument(doc));
  }
  const controller = new AbortController();
  const perStage = [];
  let last = null;
  let seen = 0;
  const engine = createEngine({
    workspace: root,
    runners: [noopRunner()],
    monitor: (event) => {
      if (event.type !== "stage_completed") return;
      const now = performance.now();
      // The first stages pay the one-time queue scan and warm-up: not part of the steady handoff.
      if (last !== null && seen >= 3) perStage.push(now - last - (event.durationSeconds ?? 0) * 1000);
      last = now;
      seen += 1;
      if (seen >= stages + 3) controller.abort();
    },
  });
  await engine.runDaemon({ signal: controller.signal });
  await engine.close();
  return median(perStage);
}

/** CPU time of an idle daemon (nothing queued) over `seconds`, with or without file watchers. */
async function measureIdle(seconds, watch) {
  // The default idle sleep (1 s): what an operator's daemon does when nothing is configured.
  const root = workspace(0, "", 1);
  const engine = createEngine({ workspace: root, watch });
  const controller = new AbortController();
  const running = engine.runDaemon({ signal: controller.signal });
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let startup and the watchers settle
  const cpuBefore = process.cpuUsage();
  const before = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const wall = performance.now() - before;
  controller.abort();
  const report = await running;
  await engine.close();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  record(`daemon idle ${seconds} s, watchers ${watch ? "on" : "off"}: CPU time`, cpuMs);
  console.log(
    `\ndaemon idle, watchers ${watch ? "on" : "off"} (idle_sleep_seconds = 1), ${(wall / 1000).toFixed(1)} s`,
  );
  console.log(
    `  CPU time used                           ${cpuMs.toFixed(1)} ms (${((cpuMs / wall) * 100).toFixed(2)}% of one core; user ${(cpu.user / 1000).toFixed(1)} ms, system ${(cpu.system / 1000).toFixed(1)} ms); daemon cycles in total: ${report.ticks}`,
  );
}

try {
  if (!globalThis.gc)
    console.log("(run with --expose-gc, e.g. via `node bench/run.mjs engine`, for the after-gc RSS figure)");
  await measureRun("warm-up (not a figure)", 20);
  const figures = [];
  if (CASES.has("a")) {
    const inProcess = await measureRun("(a) scripted runner, in-process", TASKS);
    figures.push(`in-process scripted ${inProcess.overhead.toFixed(2)} ms`);
  }
  if (CASES.has("b")) {
    const subprocess = await measureRun("(b) scripted runner, node subprocess", SUBPROCESS_TASKS, {
      extraConfig: "subprocess = true\n",
    });
    if (SUBPROCESS_TASKS !== TASKS) {
      const scaled = (subprocess.wall / subprocess.stages) * TASKS * 3;
      console.log(`  scaled to ${TASKS} tasks (${TASKS * 3} stages): about ${(scaled / 1000).toFixed(1)} s`);
    }
    figures.push(`subprocess ${subprocess.overhead.toFixed(2)} ms`);
  }
  if (CASES.has("c")) {
    const noop = await measureRun("(c) no-op runner adapter (pure engine overhead)", TASKS, {
      runners: [noopRunner()],
    });
    figures.push(`no-op adapter ${noop.overhead.toFixed(2)} ms`);
  }
  if (figures.length > 0)
    console.log(`\nhandoff overhead: ${figures.join(", ")} (budget < ${BUDGET_MS} ms in-process)`);
  if (CASES.has("q")) {
    // Interleaved, two rounds each, so the ratio shares the machine's load.
    const empty = [];
    const full = [];
    for (let round = 0; round < 2; round += 1) {
      empty.push(await measureBacklog(0, 90));
      full.push(await measureBacklog(QUEUED, 90));
    }
    const ratio = median(full) / median(empty);
    console.log(
      `\n(q) handoff with ${QUEUED} queued vs empty (no-op runner, p50 per stage over 90 stages, 2 rounds)`,
    );
    console.log(
      `  empty queue ${median(empty).toFixed(2)} ms, ${QUEUED} queued ${median(full).toFixed(2)} ms: ${ratio.toFixed(2)}×   budget 1.2×: ${ratio <= 1.2 ? "within" : "OVER"}`,
    );
    record(`(q) handoff p50, empty queue`, median(empty));
    record(`(q) handoff p50, ${QUEUED} queued`, median(full));
  }
  if (CASES.has("idle")) {
    await measureIdle(5, true);
    await measureIdle(5, false);
  }
} finally {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
}
