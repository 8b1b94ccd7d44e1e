#!/usr/bin/env node
// Paired, interleaved comparison of fresh node processes, quoted as ratios. `node -e 0` always runs
// as one of the variants, so every figure comes with the floor of the same run; the first variant
// given is the reference the others are divided by.
//
//   node bench/compare.mjs [--rounds 21] "before=/tmp/base/apps/cli/dist/bin.cjs --version" \
//        "after=apps/cli/dist/bin.cjs --version"
//
// Each variant is `label=node arguments` (split on spaces). Rounds rotate the order of the variants.
import { paired, spawnMs } from "./lib.mjs";

function parse(argv) {
  let rounds = 21;
  const variants = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--rounds") {
      rounds = Number.parseInt(argv[i + 1] ?? "", 10);
      i += 1;
      if (!Number.isInteger(rounds) || rounds < 1) fail("--rounds needs a positive whole number");
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq <= 0) fail(`not a variant: ${arg}`);
    variants.push({
      label: arg.slice(0, eq),
      args: arg
        .slice(eq + 1)
        .split(" ")
        .filter(Boolean),
    });
  }
  if (variants.length === 0) fail("name at least one variant");
  return { rounds, variants };
}

function fail(message) {
  console.error(`error: ${message}\nhint: node bench/compare.mjs [--rounds N] "label=script.js args" ...`);
  process.exit(2);
}

const { rounds, variants } = parse(process.argv.slice(2));
const all = [{ label: "node -e 0", args: ["-e", "0"] }, ...variants];
const results = await paired(
  all.map((variant) => ({ label: variant.label, run: () => spawnMs(variant.args) })),
  { rounds },
);
const floor = results[0].median;
const reference = results[1].median;
console.log(`paired and interleaved, ${rounds} rounds, medians (p25..p75):`);
for (const result of results) {
  const vsRef =
    result === results[0] || result === results[1]
      ? ""
      : `  ${(result.median / reference).toFixed(3)}× ${results[1].label}`;
  console.log(
    `  ${result.label.padEnd(28)} ${result.median.toFixed(1).padStart(8)} ms (${result.p25.toFixed(1)}..${result.p75.toFixed(1)})  ${(result.median / floor).toFixed(2)}× node -e 0${vsRef}`,
  );
}
