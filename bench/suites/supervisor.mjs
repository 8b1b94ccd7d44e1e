// Supervisor report cold start: `millrace supervisor report --json` in a fresh process on a
// workspace with 10,000 queued tasks and 1,000 finished runs (issue 13's target: under 400 ms),
// with a bare `node` start for scale. The report runs the light health checks (the persisted plan
// when it is current, no runner --version probes, no per-document queue scan), reads the status read
// model, the queue index, the mailbox and the event log's tail. The workspace is compiled, as any
// workspace a daemon has run in is, and the fake `codex` is on PATH so its runner is ready; a second
// figure shows the same report on a workspace that was never compiled (it compiles a preview).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { openQueueStore } from "@millrace/queue-store";
import { FAKE_CODEX_PATH } from "@millrace/runners/testing";
import { workspacePaths } from "@millrace/workspace";
import { benchTaskDoc, median, report } from "../lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, "..", "..", "apps", "cli", "dist", "bin.cjs");
const TASKS = 10_000;
const RUNS = 1_000;
const SAMPLES = 7;
const TARGET_MS = 400;

/** A finished run folder: one stage result and a runner transcript, as the engine leaves them. */
function writeRun(paths, i) {
  const runId = `run-${String(i).padStart(32, "0")}`;
  const dir = path.join(paths.runs, runId, "stage_results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "request-1.json"), `${JSON.stringify({ run_id: runId, stage: "builder" })}\n`);
  writeFileSync(path.join(paths.runs, runId, "runner_stdout.txt"), "### BUILDER_COMPLETE\n");
}

const root = path.join(os.tmpdir(), `millrace-bench-supervisor-${process.pid}`);
const init = spawnSync(process.execPath, [CLI, "init", root], { encoding: "utf8" });
if (init.status !== 0) throw new Error(`millrace init failed: ${init.stderr}`);
const paths = workspacePaths(root);
{
  const started = performance.now();
  const store = openQueueStore(paths);
  for (let i = 0; i < TASKS; i += 1) store.enqueue("task", benchTaskDoc(i));
  store.flush();
  for (let i = 0; i < RUNS; i += 1) writeRun(paths, i);
  report(`setup: enqueue ${TASKS} tasks, write ${RUNS} run folders`, performance.now() - started);
}

// The fake codex on PATH (and a key), so the default mode's runner counts as ready.
const bin = mkdtempSync(path.join(os.tmpdir(), "millrace-bench-bin-"));
writeFileSync(path.join(bin, "codex"), `#!/bin/sh\nexec "${process.execPath}" "${FAKE_CODEX_PATH}" "$@"\n`);
chmodSync(path.join(bin, "codex"), 0o755);
const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, CODEX_API_KEY: "sk-bench" };
const cli = (args) => spawnSync(process.execPath, [CLI, "-w", root, ...args], { encoding: "utf8", env });
const spawnReport = () => cli(["supervisor", "report", "--json"]);

const uncompiled = [];
for (let i = 0; i < 3; i += 1) {
  const started = performance.now();
  spawnReport();
  uncompiled.push(performance.now() - started);
}
const compiled = cli(["compile", "validate"]);
if (compiled.status !== 0) throw new Error(`millrace compile validate failed: ${compiled.stderr}`);
const first = spawnReport();
if (first.status !== 0) throw new Error(`millrace supervisor report failed: ${first.stderr}`);
const parsed = JSON.parse(first.stdout);
if (parsed.backlog.execution !== TASKS) throw new Error(`report saw ${parsed.backlog.execution} queued`);
if (parsed.attention_reason !== "idle_with_pending_work")
  throw new Error(`reason ${parsed.attention_reason}`);

const cold = [];
for (let i = 0; i < SAMPLES; i += 1) {
  const started = performance.now();
  const run = spawnReport();
  cold.push(performance.now() - started);
  if (run.status !== 0) throw new Error(`millrace supervisor report failed: ${run.stderr}`);
}
const coldMedian = median(cold);
report(
  `supervisor report --json cold on ${TASKS} queued, ${RUNS} runs (median of ${SAMPLES}, target ${TARGET_MS})`,
  coldMedian,
);

const node = [];
for (let i = 0; i < SAMPLES; i += 1) {
  const started = performance.now();
  spawnSync(process.execPath, ["-e", "0"]);
  node.push(performance.now() - started);
}
report(`  of which: bare node start (median of ${SAMPLES})`, median(node));
report("  the same report before the first compile (median of 3; compiles a preview)", median(uncompiled));
console.log(
  `supervisor report cold start ${coldMedian <= TARGET_MS ? "within" : "OVER"} the ${TARGET_MS} ms target`,
);

rmSync(root, { recursive: true, force: true });
rmSync(bin, { recursive: true, force: true });
