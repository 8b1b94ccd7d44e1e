// Governed compounding at scale: 10,000 stored items (7,000 promoted procedures with their
// lifecycle records, 3,000 context facts), then what one stage's prompt-context selection costs.
// "load" reads and validates every file; "view" flattens the snapshot once (cached per snapshot);
// "select" is the per-stage call the engine makes before a dispatch. The target is under 5 ms.
// Then the engine's store cache (openStoreCache) on a store shaped like a long history: per run two
// run candidates, their two workspace copies and two lifecycle records, a few promoted. It measures,
// at HISTORY_RUNS[0] and HISTORY_RUNS[1] runs, one stage's look (a new candidate in the run's folder,
// the cache's get, the selection) and the heap the cache holds; both should not grow with history.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import {
  compoundingPaths,
  DEFAULT_STAGE_RULES,
  loadCompoundingSnapshot,
  openStoreCache,
  retrievalView,
  selectPromptContext,
} from "@millrace/compounding";
import { workspacePaths } from "@millrace/workspace";
import { median, record, report } from "../lib.mjs";

const PROCEDURES = 7_000;
const FACTS = 3_000;
const ROUNDS = 200;
const STAGES = ["builder", "fixer", "checker", "doublechecker", "troubleshooter", "consultant", "updater"];
const SOURCE_STAGES = ["builder", "fixer", "checker", "doublechecker", "troubleshooter", "consultant"];
const start = Date.UTC(2026, 0, 5);

function stamp(ms) {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function reportFine(label, ms) {
  console.log(`${label.padEnd(56)} ${ms.toFixed(4).padStart(10)} ms`);
}

function body(i, lines) {
  return Array.from(
    { length: lines },
    (_, l) => `- step ${l}: check ${i % 97} before running the suite ${i}`,
  ).join("\n");
}

const HISTORY_RUNS = (process.env.BENCH_COMPOUNDING_HISTORY ?? "200,4000").split(",").map(Number);
const LOOKS = 200;

function writeJson(file, value) {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function procedure(id, scope, runId, i) {
  return {
    procedure_id: id,
    scope,
    source_run_id: runId,
    source_stage: i % 2 === 0 ? "builder" : "checker",
    title: `Procedure ${i}: build quirk ${i % 53}`,
    summary: `How to get past build quirk ${i % 53} in module ${i % 31}.`,
    procedure_markdown: body(i, 20 + (i % 40)),
    tags: [],
    evidence_refs: [`millrace-agents/runs/${runId}/stage_results/request-${i}.json`],
    created_at: stamp(start + i * 60_000),
    supersedes_procedure_id: null,
  };
}

function lifecycleRecord(id, state, i, changedBy = "runtime.compounding.run_closeout") {
  return {
    record_id: `lc.procedure.${id}.0001`,
    procedure_id: id,
    fact_id: null,
    state,
    scope: "workspace",
    changed_at: stamp(start + i * 60_000 + 1000),
    changed_by: changedBy,
    reason: "bench",
    replacement_procedure_id: null,
  };
}

/** Runs `from` to `to` of a long history: two candidates a run, flushed, one in a hundred promoted. */
function seedHistory(store, from, to) {
  for (let run = from; run < to; run += 1) {
    const runId = `run-${String(run).padStart(6, "0")}`;
    mkdirSync(path.join(store.procedures, runId), { recursive: true });
    for (const node of ["builder", "checker"]) {
      const i = run * 2 + (node === "builder" ? 0 : 1);
      const runProc = `proc.run.${runId}.request-${i}.${node}`;
      writeJson(
        path.join(store.procedures, runId, `request-${i}--${node}.json`),
        procedure(runProc, "run", runId, i),
      );
      const id = runProc.replace("proc.run.", "proc.workspace.");
      writeJson(path.join(store.procedures, `${id}.json`), procedure(id, "workspace", runId, i));
      const state = i % 100 === 0 ? "promoted" : "candidate";
      writeJson(path.join(store.lifecycle, `lc.procedure.${id}.0001.json`), lifecycleRecord(id, state, i));
    }
  }
}

function heapMb() {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** The engine's pattern at each stage: a new candidate in the run's folder, get, select. */
function historyLooks(paths, store, runs) {
  const before = heapMb();
  const t0 = performance.now();
  let cache = openStoreCache(paths);
  cache.get();
  const firstMs = performance.now() - t0;
  const heldMb = heapMb() - before;
  const runId = "run-current";
  mkdirSync(path.join(store.procedures, runId), { recursive: true });
  const samples = [];
  for (let look = 0; look < LOOKS; look += 1) {
    const i = 10_000_000 + look;
    writeJson(
      path.join(store.procedures, runId, `look-${look}.json`),
      procedure(`proc.run.${runId}.look-${look}`, "run", runId, i),
    );
    const t = performance.now();
    const view = cache.get({ runId });
    const result = selectPromptContext(view, { runId, stage: "checker" });
    samples.push(performance.now() - t);
    if (result.selection.procedures.selected_ids.length === 0) throw new Error("nothing selected");
  }
  rmSync(path.join(store.procedures, runId), { recursive: true, force: true });
  cache = null;
  const files = runs * 6;
  reportFine(`store cache, ${runs} runs (${files} files): first get`, firstMs);
  reportFine(`store cache, ${runs} runs: one stage's look + select, median`, median(samples));
  console.log(
    `${`store cache, ${runs} runs: heap held after the first get`.padEnd(56)} ${heldMb.toFixed(1).padStart(10)} MB`,
  );
  record(`store cache, ${runs} runs: one stage's look + select, median`, median(samples));
  record(`store cache, ${runs} runs: heap held`, heldMb, { unit: "MB" });
}

function seed(store) {
  mkdirSync(store.procedures, { recursive: true });
  mkdirSync(store.lifecycle, { recursive: true });
  mkdirSync(store.contextFacts, { recursive: true });
  for (let i = 0; i < PROCEDURES; i += 1) {
    const id = `proc.workspace.bench-${i}`;
    writeJson(path.join(store.procedures, `${id}.json`), {
      procedure_id: id,
      scope: "workspace",
      source_run_id: `run-${i % 500}`,
      source_stage: SOURCE_STAGES[i % SOURCE_STAGES.length],
      title: `Procedure ${i}: build quirk ${i % 53}`,
      summary: `How to get past build quirk ${i % 53} in module ${i % 31}.`,
      procedure_markdown: body(i, 5 + (i % 60)),
      tags: [`module-${i % 31}`, `quirk-${i % 53}`],
      evidence_refs: [`millrace-agents/runs/run-${i % 500}/stage_results/request-${i}.json`],
      created_at: stamp(start + i * 60_000),
      supersedes_procedure_id: null,
    });
    // Nine in ten promoted, the rest left pending or deprecated.
    const state = i % 10 === 0 ? (i % 20 === 0 ? "candidate" : "deprecated") : "promoted";
    writeJson(
      path.join(store.lifecycle, `lc.procedure.${id}.0001.json`),
      lifecycleRecord(id, state, i, "bench"),
    );
  }
  for (let i = 0; i < FACTS; i += 1) {
    const id = `fact.bench-${i}`;
    writeJson(path.join(store.contextFacts, `${id}.json`), {
      fact_id: id,
      scope: "workspace",
      lifecycle_state: i % 8 === 0 ? "candidate" : "promoted",
      source_run_id: `run-${i % 500}`,
      source_stage: SOURCE_STAGES[i % SOURCE_STAGES.length],
      title: `Fact ${i} about module ${i % 31}`,
      statement: body(i, 3 + (i % 30)),
      summary: `Module ${i % 31} needs setting ${i % 17}.`,
      tags: [`module-${i % 31}`],
      evidence_refs: [],
      created_at: stamp(start + i * 90_000),
      observed_at: null,
      stale_reason: null,
      supersedes_fact_id: null,
    });
  }
}

const root = mkdtempSync(path.join(os.tmpdir(), "millrace-bench-compounding-"));
try {
  const paths = workspacePaths(root);
  const store = compoundingPaths(paths);
  seed(store);
  const total = PROCEDURES + FACTS;

  const loadStart = performance.now();
  const snapshot = loadCompoundingSnapshot(paths);
  report(`load a ${total.toLocaleString("en")}-item store (read + validate)`, performance.now() - loadStart);
  if (snapshot.problems.length > 0) throw new Error(`unloadable: ${snapshot.problems[0].reason}`);

  const viewStart = performance.now();
  retrievalView(snapshot);
  report("build the retrieval view (once per snapshot)", performance.now() - viewStart);

  const task = "Fix the build quirk 12 in module 7 and run the integration suite";
  for (const profile of ["compounding", "governed_plus"]) {
    const all = [];
    const medians = [];
    for (const stage of STAGES) {
      const rule = DEFAULT_STAGE_RULES[stage];
      const samples = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const t0 = performance.now();
        const result = selectPromptContext(snapshot, { runId: "run-bench", stage, profile, taskText: task });
        samples.push(performance.now() - t0);
        if (round === 0) {
          const used = result.selection.procedures.used_characters;
          if (
            used > rule.procedures.budgetCharacters ||
            result.selection.procedures.selected_ids.length === 0
          ) {
            throw new Error(`${stage}: selection out of budget or empty`);
          }
        }
      }
      all.push(...samples);
      medians.push(median(samples));
      reportFine(`select ${stage} (${profile}), median`, median(samples));
    }
    reportFine(`select, all stages (${profile}), p95`, percentile(all, 0.95));
    const worst = Math.max(...medians);
    if (worst > 5)
      console.log(`WARNING: a stage's median selection (${worst.toFixed(2)} ms) is over the 5 ms target`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const historyRoot = mkdtempSync(path.join(os.tmpdir(), "millrace-bench-compounding-history-"));
try {
  const paths = workspacePaths(historyRoot);
  const store = compoundingPaths(paths);
  mkdirSync(store.lifecycle, { recursive: true });
  let seeded = 0;
  for (const runs of HISTORY_RUNS) {
    seedHistory(store, seeded, runs);
    seeded = runs;
    historyLooks(paths, store, runs);
  }
} finally {
  rmSync(historyRoot, { recursive: true, force: true });
}
