// bench/paired-builds.mjs: reading what old and new suites print, pairing two builds, and the
// command line's refusals.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { childrenCpuMs } from "../paired-builds.mjs";
import { formatPairing, pairFigures, parseSuiteOutput } from "../paired-figures.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const harness = path.join(here, "..", "paired-builds.mjs");

// What the older report() prints (no floor) and what the current one prints (with the floor).
const OLD_COMPILE = `cold process: spawn + import + first compile; in-process: first and second compile only
compile demo (cold process total)                             412.3 ms
  in-process first compile                                     30.1 ms
  in-process second compile (same process)                     11.0 ms
`;
const NEW_COMPILE = `cold process: spawn + import + first compile; in-process: first and second compile only
compile demo (cold process total)                             430.0 ms  [node -e 0: 60.0 ms; 7.17× floor]
  in-process first compile                                     31.0 ms  [node -e 0: 60.0 ms; 0.52× floor]
  in-process second compile (same process)                     14.0 ms  [node -e 0: 60.0 ms; 0.23× floor]
`;

test("report lines of both lib.mjs versions give the same names; indented lines follow their parent", () => {
  const old = parseSuiteOutput(OLD_COMPILE);
  const current = parseSuiteOutput(NEW_COMPILE);
  assert.deepEqual(
    old.map((f) => f.label),
    current.map((f) => f.label),
  );
  assert.deepEqual(old[2], {
    label: "compile demo (cold process total) › in-process second compile (same process)",
    value: 11,
    unit: "ms",
  });
  assert.equal(current[2].value, 14);
});

test("per-operation figures, medians in old labels and 'median of N' wording are normalised", () => {
  const old = parseSuiteOutput(
    [
      "dispatch: scripted runner, in-process (median 0.512 ms)       300.0 ms  (0.6000 ms/op over 500)",
      "claim-next over 10000 queued (median of 200)                   1.2 ms",
      "queue ls --json cold start on 10000 (median of 5, budget 300)      180.0 ms",
    ].join("\n"),
  );
  const current = parseSuiteOutput(
    [
      "dispatch: scripted runner, in-process                          310.0 ms  (0.6200 ms/op over 500)  [node -e 0: 50.0 ms; 0.01240× floor]",
      "dispatch: scripted runner, in-process, median                    0.5 ms  [node -e 0: 50.0 ms; 0.01× floor]",
      "claim-next over 10000 queued (median of 200)                   1.3 ms  [node -e 0: 50.0 ms; 0.03× floor]",
      "queue ls --json cold start on 10000 (median of 9, budget 1.8× node)      190.0 ms  [node -e 0: 55.0 ms; 3.45× floor]",
    ].join("\n"),
  );
  const names = [
    "dispatch: scripted runner, in-process",
    "dispatch: scripted runner, in-process, median",
    "claim-next over 10000 queued",
    "queue ls --json cold start on 10000",
  ];
  assert.deepEqual(
    old.map((f) => f.label),
    names,
  );
  assert.deepEqual(
    current.map((f) => f.label),
    names,
  );
  assert.deepEqual(
    old.slice(0, 2).map((f) => f.value),
    [0.6, 0.512],
  );
});

test("the engine suite's prose figures are read per case; the warm-up is skipped", () => {
  const text = `warm-up (not a figure): 20 tasks, 60 stages
  engine overhead per handoff (wall - runner) 9.99 ms   budget < 10 ms in-process: within

(a) scripted runner, in-process: 200 tasks, 600 stages
  total wall time                         1.20 s
  wall per stage                          2.00 ms
  engine overhead per handoff (wall - runner) 1.50 ms   budget < 10 ms in-process: within
  gap stage_completed -> next stage_started  median 0.40 ms
  RSS before 80.0 MB, peak 120.5 MB, after run + gc 90.0 MB

(q) handoff with 10000 queued vs empty (no-op runner, p50 per stage over 90 stages, 2 rounds)
  empty queue 1.10 ms, 10000 queued 1.20 ms: 1.09×   budget 1.2×: within

daemon idle, watchers on (idle_sleep_seconds = 1), 5.0 s
  CPU time used                           25.0 ms (0.50% of one core; user 20.0 ms, system 5.0 ms); daemon cycles in total: 6
`;
  assert.deepEqual(parseSuiteOutput(text), [
    { label: "(a) scripted runner, in-process: wall per stage", value: 2, unit: "ms" },
    { label: "(a) scripted runner, in-process: engine overhead per handoff", value: 1.5, unit: "ms" },
    { label: "(a) scripted runner, in-process: handoff gap, median", value: 0.4, unit: "ms" },
    { label: "(a) scripted runner, in-process: peak RSS", value: 120.5, unit: "MB" },
    { label: "(q) handoff p50, empty queue", value: 1.1, unit: "ms" },
    { label: "(q) handoff p50, 10000 queued", value: 1.2, unit: "ms" },
    { label: "daemon idle, watchers on: CPU time", value: 25, unit: "ms" },
  ]);
});

test("text without figures gives none; a repeated name is numbered", () => {
  assert.deepEqual(parseSuiteOutput("hello\n\n  bytes read: 4096\nError: boom"), []);
  const twice = parseSuiteOutput("x                     1.0 ms\nx                     2.0 ms\n");
  assert.deepEqual(
    twice.map((f) => f.label),
    ["x", "x #2"],
  );
});

test("pairing: medians per side, ratios, worse figures and one-sided figures", () => {
  const f = (label, value, unit = "ms") => ({ label, value, unit });
  const before = [
    [f("a", 10), f("b", 100), f("gone", 1)],
    [f("a", 12), f("b", 100)],
    [f("a", 11), f("b", 120), f("rss", 50, "MB")],
  ];
  const after = [
    [f("a", 10), f("b", 110), f("new", 3)],
    [f("a", 11), f("b", 104)],
    [f("a", 12), f("b", 125)],
  ];
  const result = pairFigures(before, after, { threshold: 0.05 });
  const a = result.rows.find((row) => row.label === "a");
  assert.equal(a.before, 11);
  assert.equal(a.after, 11);
  assert.equal(a.ratio, 1);
  assert.equal(a.rounds, 3);
  const b = result.rows.find((row) => row.label === "b");
  assert.ok(Math.abs(b.ratio - 1.1) < 1e-9);
  assert.ok(Math.abs(b.pairedRatio - 1.04167) < 1e-4); // per round: 1.1, 1.04, 1.0417
  assert.deepEqual(
    result.worse.map((row) => row.label),
    ["b"],
  );
  assert.deepEqual(result.onlyBefore, ["gone", "rss"]);
  assert.deepEqual(result.onlyAfter, ["new"]);
  const text = formatPairing(result, { suite: "x" });
  assert.match(text, /\| b \| 100\.0 \| 110\.0 \| 1\.100 \*\*worse\*\* \| 1\.042 \| 3 \|/);
  assert.match(text, /1 figure\(s\) more than 5 % worse/);
  assert.match(text, /only before: gone; rss/);
  assert.match(text, /only after: new/);
});

test("paired-builds.mjs refuses bad input with one error line, a hint and exit 2, running nothing", () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "paired-builds-test-"));
  try {
    // A checkout shaped enough to pass the checks up to the suite lookup.
    mkdirSync(path.join(root, "bench", "suites"), { recursive: true });
    mkdirSync(path.join(root, "bench", "node_modules"), { recursive: true });
    writeFileSync(path.join(root, "bench", "suites", "tiny.mjs"), "console.log('x   1.0 ms');\n");
    const uninstalled = path.join(root, "bare");
    mkdirSync(path.join(uninstalled, "bench", "suites"), { recursive: true });
    const cases = [
      [["--suite", "tiny"], /--before is required/],
      [["--before", root], /--suite is required/],
      [["--before", path.join(root, "missing"), "--after", root, "--suite", "tiny"], /not a checkout/],
      [
        ["--before", uninstalled, "--after", root, "--suite", "tiny"],
        /not installed.*\nhint: run `pnpm install/,
      ],
      [
        ["--before", root, "--after", root, "--suite", "nosuch"],
        /unknown suite nosuch.*\nhint: suites both checkouts have: tiny\n/,
      ],
      [["--before", root, "--after", root, "--suite", "../tiny"], /not a suite name: \.\.\/tiny/],
      [["--before", root, "--after", root, "--suite", "tiny", "--rounds", "0"], /--rounds needs/],
      [["--before", root, "--after", root, "--suite", "tiny", "--env", "NOEQUALS"], /--env needs KEY=VALUE/],
      [["--before", root, "--frobnicate", "1"], /unknown option --frobnicate/],
      [["--before"], /--before needs a value/],
    ];
    for (const [args, message] of cases) {
      const run = spawnSync(process.execPath, [harness, ...args], { encoding: "utf8" });
      assert.equal(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, /^error: .+\nhint: .+\n$/);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, "");
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("paired-builds.mjs runs both checkouts' suite each round and pairs their figures", () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "paired-builds-test-"));
  try {
    for (const [side, value] of [
      ["old", "10.0"],
      ["new", "20.0"],
    ]) {
      mkdirSync(path.join(root, side, "bench", "suites"), { recursive: true });
      mkdirSync(path.join(root, side, "bench", "node_modules"), { recursive: true });
      const lines = [`console.log("tiny figure                      ${value} ms");`];
      if (side === "old") lines.push(`console.log("old only                      1.0 ms");`);
      writeFileSync(path.join(root, side, "bench", "suites", "tiny.mjs"), `${lines.join("\n")}\n`);
    }
    const json = path.join(root, "out.json");
    const run = spawnSync(
      process.execPath,
      [harness, "--before", "old", "--after", "new", "--suite", "tiny", "--rounds", "2", "--json", json],
      { cwd: root, encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\| tiny figure \| 10\.00 \| 20\.00 \| 2\.000 \*\*worse\*\* \| 2\.000 \| 2 \|/);
    assert.match(run.stdout, /suite process CPU time \(user \+ system\)/);
    assert.match(run.stdout, /only before: old only/);
    assert.match(run.stderr, /tiny round 2\/2: before done/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("children's CPU time is read from /proc/self/stat fields 16 and 17, past a command name with spaces", () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
  const stat = "4242 (node (x) y) S 1 4242 4242 0 -1 4194304 100 200 0 0 7 3 150 25 20 0 11 0 123 456";
  assert.equal(childrenCpuMs(stat), 1750);
  assert.equal(childrenCpuMs("garbage"), undefined);
  if (process.platform === "linux") assert.equal(typeof childrenCpuMs(), "number");
});
