#!/usr/bin/env node
// Runs every suite in bench/suites (or the ones named on the command line) one after another, each
// in its own process so cold-start figures are honest. Suites print their own figures.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const suites = readdirSync(path.join(here, "suites"))
  .filter((name) => name.endsWith(".mjs"))
  .filter((name) => wanted.length === 0 || wanted.some((w) => name.includes(w)))
  .sort();
let failed = 0;
for (const suite of suites) {
  console.log(`\n=== ${suite} ===`);
  const result = spawnSync(process.execPath, ["--expose-gc", path.join(here, "suites", suite)], {
    stdio: "inherit",
  });
  if (result.status !== 0) failed += 1;
}
if (failed > 0) {
  console.error(`${failed} suite(s) failed`);
  process.exit(1);
}
