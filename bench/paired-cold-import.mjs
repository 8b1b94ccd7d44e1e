#!/usr/bin/env node
// The cold import of each package in two built checkouts, paired (issue 10): per round and package,
// a fresh `node` process per checkout imports that checkout's packages/<name> entry as node resolves
// it (package.json `exports["."].import`: the bundle where a checkout ships one) and
// prints its own CPU time (user + system, the whole process: node's start included), the import's
// wall time and its RSS. The order alternates from round to round; per package it prints the
// medians of each side, their ratio and the median of the per-round ratios. On a shared machine
// the CPU time is the figure to read.
//
//   node bench/paired-cold-import.mjs --before DIR [--after .] [--packages contracts,compiler] [--rounds 10]
//
// Bad input (a missing or unbuilt checkout, an unknown package, a bad option) is refused with one
// error line, a hint and exit 2.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { median } from "./lib.mjs";

const USAGE = "node bench/paired-cold-import.mjs --before DIR [--after DIR] [--packages a,b] [--rounds N]";
export const DEFAULT_PACKAGES = ["contracts", "workspace", "compiler", "queue-store", "runners"];

/** Bad input: printed as one error line and a hint, exit 2. */
export class UsageError extends Error {}

/** The parsed command line; throws UsageError on anything it cannot run. */
export function parseArgs(argv, cwd = process.cwd()) {
  const options = { after: ".", rounds: 10, packages: DEFAULT_PACKAGES };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const next = argv[i + 1];
    if (!["--before", "--after", "--packages", "--rounds"].includes(arg))
      throw new UsageError(`unknown option ${arg}`);
    if (next === undefined || next.startsWith("--")) throw new UsageError(`${arg} needs a value`);
    i += 1;
    if (arg === "--rounds") {
      options.rounds = Number(next);
      if (!Number.isInteger(options.rounds) || options.rounds < 1)
        throw new UsageError("--rounds needs a whole number >= 1");
    } else if (arg === "--packages") options.packages = next.split(",").filter(Boolean);
    else options[arg.slice(2)] = next;
  }
  if (!options.before) throw new UsageError("--before is required");
  for (const side of ["before", "after"]) {
    options[side] = path.resolve(cwd, options[side]);
    for (const name of options.packages) {
      if (!/^[a-z][a-z-]*$/.test(name)) throw new UsageError(`not a package name: ${name}`);
      const entry = packageEntry(options[side], name);
      if (!existsSync(entry))
        throw new UsageError(`${side}: ${entry} does not exist (unknown package, or not built)`);
    }
  }
  return options;
}

/** The file node loads for `@millrace/<name>` in the checkout `root` (its `exports["."].import`). */
export function packageEntry(root, name) {
  const dir = path.join(root, "packages", name);
  let target = "./dist/index.js";
  try {
    const entry = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).exports?.["."];
    target = (typeof entry === "string" ? entry : entry?.import) ?? target;
  } catch {
    // No readable package.json: the existence check of the default entry reports it.
  }
  return path.join(dir, target);
}

const PROBE = `const t0 = performance.now(); await import(process.argv[1]); const wall = performance.now() - t0;
const u = process.cpuUsage(); console.log(JSON.stringify({ cpu: (u.user + u.system) / 1000, wall, rss: process.memoryUsage().rss / 1048576 }));`;

/** One fresh process importing `entry`: `{ cpu, wall, rss }` (ms, ms, MB). */
export function coldImport(entry) {
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", PROBE, entry], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`importing ${entry} failed: ${run.stderr.trim().split("\n")[0]}`);
  return JSON.parse(run.stdout);
}

/** Per package: the samples of each side, round by round (the order alternating). */
export function measure({ before, after, packages, rounds }, importOnce = coldImport) {
  const samples = Object.fromEntries(packages.map((name) => [name, { before: [], after: [] }]));
  for (let round = 0; round < rounds; round += 1) {
    for (const name of packages) {
      const sides = round % 2 === 0 ? ["before", "after"] : ["after", "before"];
      for (const side of sides) {
        const root = side === "before" ? before : after;
        samples[name][side].push(importOnce(packageEntry(root, name)));
      }
    }
  }
  return samples;
}

/** One table row per package: medians, their ratio and the median per-round ratio of CPU time. */
export function pairRows(samples) {
  return Object.entries(samples).map(([name, { before, after }]) => {
    const cpuBefore = median(before.map((s) => s.cpu));
    const cpuAfter = median(after.map((s) => s.cpu));
    return {
      name,
      cpuBefore,
      cpuAfter,
      ratio: cpuAfter / cpuBefore,
      paired: median(after.map((s, i) => s.cpu / before[i].cpu)),
      rssBefore: median(before.map((s) => s.rss)),
      rssAfter: median(after.map((s) => s.rss)),
    };
  });
}

function format(rows, rounds) {
  const lines = [
    `| package (cold import, CPU ms of the process) | before | after | after / before | paired ratio | RSS MB before / after | rounds |`,
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows)
    lines.push(
      `| ${r.name} | ${r.cpuBefore.toFixed(1)} | ${r.cpuAfter.toFixed(1)} | ${r.ratio.toFixed(3)} | ${r.paired.toFixed(3)} | ${r.rssBefore.toFixed(1)} / ${r.rssAfter.toFixed(1)} | ${rounds} |`,
    );
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const options = parseArgs(process.argv.slice(2));
    console.log(format(pairRows(measure(options)), options.rounds));
  } catch (error) {
    console.error(`error: ${error.message}`);
    if (error instanceof UsageError) {
      console.error(`hint: ${USAGE}`);
      process.exitCode = 2;
    } else process.exitCode = 1;
  }
}
