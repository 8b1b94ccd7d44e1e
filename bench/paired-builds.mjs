#!/usr/bin/env node
// Runs the same bench suite of two built checkouts in one session, round after round, and pairs
// their figures (issue 10: "before and after, in one run on the same machine").
//
//   node bench/paired-builds.mjs --before /work/wt/old [--after .] --suite engine,compile --rounds 5
//
// Each round runs, per suite, `bench/suites/<suite>.mjs` of each checkout in a fresh process with the
// same environment, the order alternating from round to round (before first in even rounds). Each
// checkout runs its own suite file against its own packages. The figures are read from what the
// suite prints (bench/paired-figures.mjs), so suites that predate bench/results work too. Per
// figure it prints the median of each side, their ratio, the median of the per-round ratios, and
// the figures more than --threshold (default 5 %) worse; figures only one side has are listed.
// Besides the suite's own figures, it reports the CPU time (user + system) of each suite process,
// taken by a preloaded probe (bench/paired-cpu-probe.mjs), and of the suite with every process it
// spawned (from /proc/self/stat after the wait, Linux only, 10 ms steps): on a shared machine CPU
// time is far steadier than wall time.
//
// Options: --rounds N (default 3), --warmup N (unpaired runs of each side first, default 0),
// --env KEY=VALUE (repeatable; overrides the per-suite defaults below), --threshold 0.05,
// --json FILE (writes every sample and the pairing), --keep-output DIR (each process's stdout).
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { nodeFloor } from "./lib.mjs";
import { formatPairing, pairFigures, parseSuiteOutput } from "./paired-figures.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const PROBE = pathToFileURL(path.join(here, "paired-cpu-probe.mjs")).href;
const USAGE =
  "node bench/paired-builds.mjs --before DIR [--after DIR] --suite engine[,compile,...] [--rounds N]";

/** Small sizes so that several rounds fit; the older suites ignore knobs they do not know. */
export const SUITE_DEFAULTS = {
  engine: { BENCH_ENGINE_TASKS: "200", BENCH_ENGINE_CASES: "a,c,idle" },
};

/** Bad input: printed as one error line and a hint, exit 2. */
export class UsageError extends Error {
  constructor(message, hint = USAGE) {
    super(message);
    this.hint = hint;
  }
}

/** The parsed command line; throws UsageError (exit 2) on anything it cannot run. */
export function parseArgs(argv, cwd = process.cwd()) {
  const options = { after: ".", rounds: 3, warmup: 0, threshold: 0.05, env: {}, suites: [] };
  const value = (i, name) => {
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) throw new UsageError(`${name} needs a value`);
    return next;
  };
  const count = (text, name, min) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} needs a whole number >= ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--before" || arg === "--after") options[arg.slice(2)] = value(i, arg);
    else if (arg === "--suite") options.suites.push(...value(i, arg).split(",").filter(Boolean));
    else if (arg === "--rounds") options.rounds = count(value(i, arg), arg, 1);
    else if (arg === "--warmup") options.warmup = count(value(i, arg), arg, 0);
    else if (arg === "--json" || arg === "--keep-output")
      options[arg === "--json" ? "json" : "keep"] = value(i, arg);
    else if (arg === "--threshold") {
      options.threshold = Number(value(i, arg));
      if (!(options.threshold >= 0)) throw new UsageError("--threshold needs a fraction such as 0.05");
    } else if (arg === "--env") {
      const pair = value(i, arg);
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new UsageError(`--env needs KEY=VALUE, got ${pair}`);
      options.env[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else throw new UsageError(`unknown option ${arg}`);
    i += 1; // every option takes one value
  }
  if (!options.before) throw new UsageError("--before is required (a built checkout of the older code)");
  if (options.suites.length === 0) throw new UsageError("--suite is required");
  options.before = path.resolve(cwd, options.before);
  options.after = path.resolve(cwd, options.after);
  return options;
}

/** Throws UsageError unless both checkouts exist, are installed and hold every suite asked for. */
export function checkCheckouts({ before, after, suites }) {
  for (const [side, root] of [
    ["before", before],
    ["after", after],
  ]) {
    if (!existsSync(path.join(root, "bench", "suites")))
      throw new UsageError(`--${side} ${root} is not a checkout with bench/suites`);
    if (!existsSync(path.join(root, "bench", "node_modules")))
      throw new UsageError(
        `--${side} ${root} is not installed (no bench/node_modules)`,
        `run \`pnpm install && pnpm turbo run build\` in ${root}`,
      );
  }
  const known = [before, after]
    .map((root) => readdirSync(path.join(root, "bench", "suites")).filter((name) => name.endsWith(".mjs")))
    .reduce((a, b) => a.filter((name) => b.includes(name)))
    .map((name) => name.slice(0, -4));
  const hint = `suites both checkouts have: ${known.join(", ") || "none"}`;
  for (const suite of suites) {
    if (!/^[A-Za-z0-9_-]+$/.test(suite)) throw new UsageError(`not a suite name: ${suite}`, hint);
    const missing = [before, after].filter((root) => !existsSync(suiteFile(root, suite)));
    if (missing.length > 0)
      throw new UsageError(
        `unknown suite ${suite}: no bench/suites/${suite}.mjs in ${missing.join(" and ")}`,
        hint,
      );
  }
}

const suiteFile = (root, suite) => path.join(root, "bench", "suites", `${suite}.mjs`);

const TICKS_PER_SECOND = 100; // USER_HZ: /proc reports CPU times in these on Linux

/**
 * CPU milliseconds (user + system) of this process's waited-for children so far, grandchildren
 * they waited for included (`cutime` and `cstime` of /proc/self/stat); undefined off Linux.
 */
export function childrenCpuMs(statText = readProcStat()) {
  if (statText === undefined) return undefined;
  // Fields after the command name (which may hold spaces) start at field 3; cutime is field 16.
  const fields = statText.slice(statText.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[13]) + Number(fields[14]);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : undefined;
}

function readProcStat() {
  try {
    return readFileSync("/proc/self/stat", "utf8");
  } catch {
    return undefined;
  }
}

/** One fresh process of one checkout's suite: its figures (with the probe's CPU time) and stdout. */
function runOnce(root, suite, env, scratch) {
  const cpuFile = path.join(scratch, "cpu.json");
  rmSync(cpuFile, { force: true });
  const treeBefore = childrenCpuMs();
  const started = performance.now();
  const run = spawnSync(process.execPath, ["--expose-gc", "--import", PROBE, suiteFile(root, suite)], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...env, PAIRED_CPU_FILE: cpuFile, BENCH_SUITE: suite },
  });
  const wall = performance.now() - started;
  if (run.status !== 0) {
    const tail = (run.stderr || run.stdout || "").trim().split("\n").slice(-5).join("\n");
    throw new Error(`${suite} of ${root} failed (exit ${run.status}):\n${tail}`);
  }
  const figures = parseSuiteOutput(run.stdout);
  if (existsSync(cpuFile)) {
    const cpu = JSON.parse(readFileSync(cpuFile, "utf8"));
    figures.push({
      label: "suite process CPU time (user + system)",
      value: cpu.user + cpu.system,
      unit: "ms",
    });
  }
  const treeAfter = childrenCpuMs();
  if (treeBefore !== undefined && treeAfter !== undefined)
    figures.push({
      label: "suite CPU time with its child processes",
      value: treeAfter - treeBefore,
      unit: "ms",
    });
  figures.push({ label: "suite process wall time", value: wall, unit: "ms" });
  return { figures, stdout: run.stdout };
}

/** Every round of one suite, alternating which checkout goes first; returns the per-side rounds. */
function runSuite(options, suite, scratch, log) {
  // The newer lib.mjs measures the `node -e 0` floor itself unless given one: give both the same.
  const floor = nodeFloor(11).toFixed(1);
  const env = { BENCH_NODE_FLOOR_MS: floor, ...(SUITE_DEFAULTS[suite] ?? {}), ...options.env };
  const sides = { before: [], after: [] };
  const loads = [];
  for (let round = -options.warmup; round < options.rounds; round += 1) {
    const order = Math.abs(round) % 2 === 0 ? ["before", "after"] : ["after", "before"];
    for (const side of order) {
      loads.push(os.loadavg()[0]);
      const { figures, stdout } = runOnce(options[side], suite, env, scratch);
      if (options.keep) writeFileSync(path.join(options.keep, `${suite}.${side}.${round}.txt`), stdout);
      if (round >= 0) sides[side].push(figures);
      log(
        `  ${suite} round ${round < 0 ? "warm-up" : round + 1}/${options.rounds}: ${side} done (${figures.length} figures)`,
      );
    }
  }
  return { env, ...sides, load: { min: Math.min(...loads), max: Math.max(...loads) } };
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
    checkCheckouts(options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\nhint: ${error.hint}`);
    process.exit(2);
  }
  if (options.keep) mkdirSync(options.keep, { recursive: true });
  const scratch = mkdtempSync(path.join(os.tmpdir(), "millrace-paired-"));
  const log = (line) => console.error(line);
  const results = {};
  try {
    console.log(
      `before: ${options.before}\nafter:  ${options.after}\nnode ${process.version}, ${os.cpus().length} cpus`,
    );
    for (const suite of options.suites) {
      const run = runSuite(options, suite, scratch, log);
      const pairing = pairFigures(run.before, run.after, { threshold: options.threshold });
      results[suite] = { ...run, pairing };
      const knobs =
        Object.entries(run.env)
          .map(([k, v]) => `${k}=${v}`)
          .join(" ") || "defaults";
      console.log(
        `\n=== ${suite} (${options.rounds} rounds; ${knobs}; load average ${run.load.min.toFixed(1)}..${run.load.max.toFixed(1)})`,
      );
      console.log(formatPairing(pairing, { suite }));
    }
  } catch (error) {
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    if (options.json)
      writeFileSync(
        options.json,
        `${JSON.stringify({ date: new Date().toISOString(), options, results }, null, 2)}\n`,
      );
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
