// The bench guard's own checks: the baseline comparison and run.mjs's argument errors.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { compareResults, formatComparison } from "../compare-results.mjs";
import { paired } from "../lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const fig = (suite, label, value, floor = 50, unit = "ms") => ({ suite, label, value, floor, unit });

test("times are compared as multiples of their own floor; other units as they are", () => {
  const baseline = {
    suites: ["a"],
    figures: [fig("a", "x", 100), fig("a", "y", 100), fig("a", "rss", 60, 50, "MB"), fig("a", "gone", 1)],
  };
  // x: twice the time on a machine twice as slow (floor 100) is no change; y: 30 % worse at the same floor.
  const latest = {
    suites: ["a"],
    figures: [
      fig("a", "x", 200, 100),
      fig("a", "y", 130),
      fig("a", "rss", 54, 100, "MB"),
      fig("b", "new", 1),
    ],
  };
  const result = compareResults(baseline, latest, { threshold: 0.1 });
  assert.deepEqual(
    result.regressions.map((row) => row.key),
    ["a / y"],
  );
  assert.equal(result.rows.find((row) => row.key === "a / x").change, 0);
  assert.ok(Math.abs(result.rows.find((row) => row.key === "a / rss").change + 0.1) < 1e-9);
  assert.deepEqual(
    result.missing.map((figure) => figure.label),
    ["gone"],
  );
  const text = formatComparison(result);
  assert.match(text, /1 figure\(s\) more than 10 % worse/);
  assert.match(text, /\+30 %\s+a \/ y/);
  assert.match(text, /missing from this run: a \/ gone/);
});

test("paired() runs every variant each round, rotating the order", async () => {
  const order = [];
  const results = await paired(
    [
      {
        label: "a",
        run: () => {
          order.push("a");
          return 1;
        },
      },
      {
        label: "b",
        run: () => {
          order.push("b");
          return 3;
        },
      },
    ],
    { rounds: 3, warmup: 0 },
  );
  assert.deepEqual(order, ["a", "b", "b", "a", "a", "b"]);
  assert.deepEqual(
    results.map((r) => r.median),
    [1, 3],
  );
});

test("run.mjs refuses a bad selection with exit 2 and a hint, running nothing", () => {
  const run = (args) =>
    spawnSync(process.execPath, [path.join(here, "..", "run.mjs"), ...args], { encoding: "utf8" });
  for (const args of [["--suite"], ["--suite", "no-such-suite"], ["--frobnicate"]]) {
    const result = run(args);
    assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, /^error: .+\nhint: /);
    assert.doesNotMatch(result.stdout, /===/);
  }
});
