// Governed compounding at scale: 10,000 stored items (7,000 promoted procedures with their
// lifecycle records, 3,000 context facts), then what one stage's prompt-context selection costs.
// "load" reads and validates every file; "view" flattens the snapshot once (cached per snapshot);
// "select" is the per-stage call the engine makes before a dispatch. The target is under 5 ms.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import {
  compoundingPaths,
  DEFAULT_STAGE_RULES,
  loadCompoundingSnapshot,
  retrievalView,
  selectPromptContext,
} from "@millrace/compounding";
import { workspacePaths } from "@millrace/workspace";
import { median, report } from "../lib.mjs";

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

function seed(store) {
  mkdirSync(store.procedures, { recursive: true });
  mkdirSync(store.lifecycle, { recursive: true });
  mkdirSync(store.contextFacts, { recursive: true });
  const json = (file, value) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  for (let i = 0; i < PROCEDURES; i += 1) {
    const id = `proc.workspace.bench-${i}`;
    json(path.join(store.procedures, `${id}.json`), {
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
    json(path.join(store.lifecycle, `lc.procedure.${id}.0001.json`), {
      record_id: `lc.procedure.${id}.0001`,
      procedure_id: id,
      fact_id: null,
      state,
      scope: "workspace",
      changed_at: stamp(start + i * 60_000 + 1000),
      changed_by: "bench",
      reason: "bench",
      replacement_procedure_id: null,
    });
  }
  for (let i = 0; i < FACTS; i += 1) {
    const id = `fact.bench-${i}`;
    json(path.join(store.contextFacts, `${id}.json`), {
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
