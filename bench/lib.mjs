// Timing helpers shared by the suites. Every figure a suite reports goes through `report()`, which
// prints it beside the `node -e 0` floor of the same run and records it for bench/run.mjs (which
// writes bench/results/latest.json and compares it with bench/baseline.json).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";

export async function time(fn) {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The value at fraction `q` (0..1) of the sorted samples. */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Wall milliseconds of one fresh `node ...args` process; throws when it fails. */
export function spawnMs(args, options = {}) {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`node ${args.join(" ")} failed (${run.status}): ${run.stderr}`);
  return ms;
}

/**
 * Paired, interleaved measurement: each round runs every variant once, in an order that rotates
 * from round to round, so that machine load (other processes, thermal state) hits every variant
 * alike. Returns, per variant, the median, the quartiles and the samples; quote the ratio of two
 * medians from one call, never absolute times from separate runs.
 * variants: [{ label, run: () => milliseconds | Promise<milliseconds> }]
 */
export async function paired(variants, { rounds = 15, warmup = 1 } = {}) {
  const samples = variants.map(() => []);
  for (let round = -warmup; round < rounds; round += 1) {
    for (let k = 0; k < variants.length; k += 1) {
      const v = (k + Math.max(round, 0)) % variants.length;
      const ms = await variants[v].run();
      if (round >= 0) samples[v].push(ms);
    }
  }
  return variants.map((variant, v) => ({
    label: variant.label,
    median: median(samples[v]),
    p25: quantile(samples[v], 0.25),
    p75: quantile(samples[v], 0.75),
    samples: samples[v],
  }));
}

/** Median wall time of `node -e 0` over `rounds` fresh processes: the floor every CLI figure is quoted against. */
export function nodeFloor(rounds = 9) {
  const times = [];
  spawnMs(["-e", "0"]);
  for (let i = 0; i < rounds; i += 1) times.push(spawnMs(["-e", "0"]));
  return median(times);
}

let floorMs;
/** The floor of this run: measured by bench/run.mjs before the suite (BENCH_NODE_FLOOR_MS), else here, once. */
export function runFloor() {
  if (floorMs === undefined) {
    const given = Number.parseFloat(process.env.BENCH_NODE_FLOOR_MS ?? "");
    floorMs = Number.isFinite(given) && given > 0 ? given : nodeFloor();
  }
  return floorMs;
}

const suiteName = process.env.BENCH_SUITE ?? path.basename(process.argv[1] ?? "bench", ".mjs");

/**
 * Prints one figure with the `node -e 0` floor and records it. `ms` is the total; with `count`
 * the per-operation time is the figure. `floor` overrides the run's floor (a floor measured
 * interleaved with the figure itself, for cold starts).
 */
export function report(label, ms, count, { floor } = {}) {
  const figure = count ? ms / count : ms;
  const nodeMs = floor ?? runFloor();
  const per = count ? `  (${figure.toFixed(4)} ms/op over ${count})` : "";
  const ratio = `[node -e 0: ${nodeMs.toFixed(1)} ms; ${(figure / nodeMs).toFixed(count ? 5 : 2)}× floor]`;
  console.log(`${label.padEnd(56)} ${ms.toFixed(1).padStart(10)} ms${per}  ${ratio}`);
  record(label, figure, { floor: nodeMs });
}

/**
 * Records a figure (lower is better; milliseconds unless `unit` says otherwise) for the results
 * file without printing it.
 */
export function record(label, value, { floor = runFloor(), unit = "ms" } = {}) {
  const file = process.env.BENCH_RESULTS_FILE;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ suite: suiteName, label, value, unit, floor })}\n`);
}

/** A valid queued task document, the i-th of a benchmark queue (created one second apart). */
export function benchTaskDoc(i) {
  return {
    kind: "task",
    task_id: `task-${String(i).padStart(6, "0")}`,
    title: `Benchmark task ${i}`,
    target_paths: ["src/"],
    acceptance: ["passes"],
    required_checks: ["npm test"],
    references: ["bench"],
    risk: ["low"],
    created_at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace(".000Z", "Z"),
    created_by: "bench",
  };
}

/**
 * Writes the i-th finished run of a benchmark history into `runsDir`: one builder stage result (a
 * valid envelope, as the engine writes it) and its stdout, the stage starting one minute after the
 * previous run's. The `stage_results/` folder is dated when its result was written, as on a real
 * workspace whose runs happened one after another. Run ids are random, as the engine's are.
 */
export function writeBenchRun(runsDir, i) {
  const runId = `run-${randomBytes(16).toString("hex")}`;
  const requestId = `request-${randomBytes(16).toString("hex")}`;
  const dir = path.join(runsDir, runId);
  const results = path.join(dir, "stage_results");
  mkdirSync(results, { recursive: true });
  const started = Date.UTC(2026, 0, 1) + i * 60_000;
  const stamp = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");
  const stdout = path.join(dir, `runner_stdout.${requestId}.txt`);
  writeFileSync(stdout, "### BUILDER_COMPLETE\n");
  const envelope = {
    schema_version: "1.0",
    kind: "stage_result",
    run_id: runId,
    plane: "execution",
    stage: "builder",
    node_id: "builder",
    stage_kind_id: "builder",
    work_item_kind: "task",
    work_item_id: `task-${String(i).padStart(6, "0")}`,
    terminal_result: "BUILDER_COMPLETE",
    result_class: "success",
    summary_status_marker: "### BUILDER_COMPLETE",
    success: true,
    retryable: false,
    exit_code: 0,
    duration_seconds: 30,
    prompt_artifact: null,
    report_artifact: null,
    artifact_paths: [],
    detected_marker: "### BUILDER_COMPLETE",
    stdout_path: stdout,
    stderr_path: null,
    runner_name: "codex",
    model_name: null,
    model_reasoning_effort: null,
    thinking_level: null,
    token_usage: null,
    notes: [],
    metadata: {
      request_id: requestId,
      request_kind: "active_work_item",
      mode_id: "default_codex",
      compiled_plan_id: "plan-bench",
      closure_target_root_spec_id: null,
      closure_target_root_idea_id: null,
      preferred_rubric_path: null,
      preferred_verdict_path: null,
      preferred_report_path: null,
      skill_revision_evidence_path: null,
      model_reasoning_effort: null,
      normalization_source: "stdout_terminal_token",
      failure_class: null,
      valid_terminal_result: true,
      raw_exit_kind: "completed",
      raw_exit_code: 0,
      timeout_reconciled: false,
    },
    started_at: stamp(started),
    completed_at: stamp(started + 30_000),
  };
  writeFileSync(path.join(results, `${requestId}.json`), `${JSON.stringify(envelope, null, 2)}\n`);
  const written = new Date(started + 31_000);
  utimesSync(results, written, written);
  return runId;
}
