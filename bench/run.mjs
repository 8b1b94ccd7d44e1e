#!/usr/bin/env node
// Runs every suite in bench/suites (or the ones selected) one after another, each in its own
// process so cold-start figures are honest. Before each suite it measures the `node -e 0` floor,
// which every figure is printed against. The figures go to bench/results/latest.json (gitignored);
// then they are compared with the committed bench/baseline.json and every figure more than 10 %
// worse is listed. The comparison only reports: timings on a shared machine are too noisy to fail
// a build on.
//
//   node bench/run.mjs                       every suite
//   node bench/run.mjs --suite queue,status  suites whose file name contains one of the words
//   node bench/run.mjs queue                 the same, positional (as before)
//   node bench/run.mjs --save-baseline       also write the results as the new bench/baseline.json
//   node bench/run.mjs --compare-only        compare results/latest.json with the baseline, run nothing
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compareResults, formatComparison } from "./compare-results.mjs";
import { nodeFloor } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(here, "results", "latest.json");
const BASELINE = path.join(here, "baseline.json");

function parseArgs(argv) {
  const wanted = [];
  const flags = { saveBaseline: false, compareOnly: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--suite" || arg === "-s") {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("-")) {
        console.error("error: --suite needs a value\nhint: node bench/run.mjs --suite queue,status");
        process.exit(2);
      }
      wanted.push(...value.split(",").filter(Boolean));
      i += 1;
    } else if (arg.startsWith("--suite=")) wanted.push(...arg.slice(8).split(",").filter(Boolean));
    else if (arg === "--save-baseline") flags.saveBaseline = true;
    else if (arg === "--compare-only") flags.compareOnly = true;
    else if (arg.startsWith("-")) {
      console.error(`error: unknown option ${arg}\nhint: see the header of bench/run.mjs`);
      process.exit(2);
    } else wanted.push(arg);
  }
  return { wanted, ...flags };
}

function runSuites(wanted) {
  const all = readdirSync(path.join(here, "suites")).filter((name) => name.endsWith(".mjs"));
  const suites = all.filter((name) => wanted.length === 0 || wanted.some((w) => name.includes(w))).sort();
  if (suites.length === 0) {
    console.error(`error: no suite matches ${wanted.join(", ")}\nhint: suites are ${all.join(", ")}`);
    process.exit(2);
  }
  const scratch = path.join(os.tmpdir(), `millrace-bench-results-${process.pid}.jsonl`);
  writeFileSync(scratch, "");
  // The validated-config cache (docs/configuration.md) of the suites' CLIs and daemons: a folder of
  // the bench's own, not the operator's (a suite may choose another, as status.mjs does).
  const configCache = path.join(os.tmpdir(), `millrace-bench-config-cache-${process.pid}`);
  let failed = 0;
  for (const suite of suites) {
    const floor = nodeFloor(11);
    console.log(`\n=== ${suite} ===   (node -e 0 floor before this suite: ${floor.toFixed(1)} ms)`);
    const result = spawnSync(process.execPath, ["--expose-gc", path.join(here, "suites", suite)], {
      stdio: "inherit",
      env: {
        ...process.env,
        BENCH_RESULTS_FILE: scratch,
        BENCH_NODE_FLOOR_MS: String(floor),
        BENCH_SUITE: path.basename(suite, ".mjs"),
        MILLRACE_CACHE_DIR: process.env.MILLRACE_CACHE_DIR ?? configCache,
      },
    });
    if (result.status !== 0) failed += 1;
  }
  rmSync(configCache, { recursive: true, force: true });
  const figures = readFileSync(scratch, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  rmSync(scratch, { force: true });
  return { suites, figures, failed };
}

const args = parseArgs(process.argv.slice(2));
let latest;
let failed = 0;
if (args.compareOnly) {
  if (!existsSync(RESULTS)) {
    console.error(`error: no results at ${RESULTS}\nhint: run \`node bench/run.mjs\` first`);
    process.exit(2);
  }
  latest = JSON.parse(readFileSync(RESULTS, "utf8"));
} else {
  const run = runSuites(args.wanted);
  failed = run.failed;
  latest = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    suites: run.suites.map((suite) => path.basename(suite, ".mjs")),
    figures: run.figures,
  };
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(latest, null, 2)}\n`);
  console.log(`\nresults: ${path.relative(process.cwd(), RESULTS)} (${run.figures.length} figures)`);
}
if (existsSync(BASELINE)) {
  const baseline = JSON.parse(readFileSync(BASELINE, "utf8"));
  console.log(formatComparison(compareResults(baseline, latest, { threshold: 0.1 })));
} else console.log("no bench/baseline.json to compare with (write one with --save-baseline)");
if (args.saveBaseline) {
  // Suites that did not run keep their baseline figures.
  const old = existsSync(BASELINE) ? JSON.parse(readFileSync(BASELINE, "utf8")) : { figures: [], suites: [] };
  const ran = new Set(latest.suites);
  const merged = {
    ...latest,
    suites: [...new Set([...(old.suites ?? []), ...latest.suites])].sort(),
    figures: [...old.figures.filter((figure) => !ran.has(figure.suite)), ...latest.figures],
  };
  writeFileSync(BASELINE, `${JSON.stringify(merged, null, 2)}\n`);
  console.log(`baseline written: ${path.relative(process.cwd(), BASELINE)}`);
}
if (failed > 0) {
  console.error(`${failed} suite(s) failed`);
  process.exit(1);
}
