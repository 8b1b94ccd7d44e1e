// bench/paired-cold-import.mjs: pairing, alternation, a real cold import, and the refusals.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  coldImport,
  measure,
  packageEntry,
  pairRows,
  parseArgs,
  UsageError,
} from "../paired-cold-import.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const probe = path.join(here, "..", "paired-cold-import.mjs");

const checkouts = [];
after(() => {
  for (const root of checkouts) rmSync(root, { recursive: true, force: true });
});

/** A fake checkout whose packages/<name>/dist/index.js exists; removed after the file's tests. */
function checkout(names) {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-cold-import-"));
  checkouts.push(root);
  for (const name of names) {
    mkdirSync(path.join(root, "packages", name, "dist"), { recursive: true });
    writeFileSync(path.join(root, "packages", name, "dist", "index.js"), "export const x = 1;\n");
  }
  return root;
}

test("rounds alternate the order and pair each after sample with the before sample of its round", () => {
  const order = [];
  const fake = (entry) => {
    const side = entry.startsWith("/b/") ? "before" : "after";
    order.push(side);
    return { cpu: side === "before" ? 100 : 110 + order.length, wall: 1, rss: 50 };
  };
  const samples = measure({ before: "/b", after: "/a", packages: ["contracts"], rounds: 3 }, fake);
  assert.deepEqual(order, ["before", "after", "after", "before", "before", "after"]);
  const [row] = pairRows(samples);
  assert.equal(row.name, "contracts");
  assert.equal(row.cpuBefore, 100);
  assert.equal(row.cpuAfter, 113);
  assert.ok(Math.abs(row.paired - 1.13) < 1e-9);
});

test("a cold import of a real file reports the process's CPU time, its import wall time and RSS", () => {
  const root = checkout(["contracts"]);
  const sample = coldImport(path.join(root, "packages", "contracts", "dist", "index.js"));
  assert.ok(sample.cpu > 0 && sample.wall >= 0 && sample.rss > 0);
  assert.throws(() => coldImport(path.join(root, "missing.js")), /importing .*missing\.js failed/);
});

test("imports the file node resolves for the package: its exports' import target, else dist/index.js", () => {
  const root = checkout(["contracts", "runners"]);
  writeFileSync(
    path.join(root, "packages", "runners", "package.json"),
    JSON.stringify({
      exports: { ".": { "millrace-per-file": "./dist/index.js", import: "./dist/index.bundle.js" } },
    }),
  );
  assert.equal(
    packageEntry(root, "runners"),
    path.join(root, "packages", "runners", "dist", "index.bundle.js"),
  );
  assert.equal(packageEntry(root, "contracts"), path.join(root, "packages", "contracts", "dist", "index.js"));
  // The bundle is not there: the checkout counts as not built.
  assert.throws(() => parseArgs(["--before", root, "--after", root, "--packages", "runners"]), /not built/);
});

test("refuses a missing --before, an unbuilt package, a bad round count and an unknown option", () => {
  const root = checkout(["contracts"]);
  assert.throws(() => parseArgs([]), UsageError);
  assert.throws(() => parseArgs(["--before", root, "--after", root, "--packages", "runners"]), /not built/);
  assert.throws(
    () => parseArgs(["--before", root, "--after", root, "--packages", "../x"]),
    /not a package name/,
  );
  assert.throws(() => parseArgs(["--before", root, "--rounds", "0"]), /--rounds/);
  assert.throws(() => parseArgs(["--before", root, "--fast"]), /unknown option --fast/);
  const options = parseArgs(["--before", root, "--after", root, "--packages", "contracts", "--rounds", "2"]);
  assert.deepEqual(options.packages, ["contracts"]);
  const run = spawnSync(process.execPath, [probe, "--before", path.join(root, "nowhere")], {
    encoding: "utf8",
  });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /^error: before: .* does not exist/);
  assert.match(run.stderr, /\nhint: node bench\/paired-cold-import\.mjs/);
  assert.equal(run.stdout, "");
});

test("prints one table row per package", () => {
  const root = checkout(["contracts", "workspace"]);
  const run = spawnSync(
    process.execPath,
    [probe, "--before", root, "--after", root, "--packages", "contracts,workspace", "--rounds", "1"],
    {
      encoding: "utf8",
    },
  );
  assert.equal(run.status, 0, run.stderr);
  const rows = run.stdout.trim().split("\n");
  assert.equal(rows.length, 4);
  assert.match(rows[2], /^\| contracts \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \/ [\d.]+ \| 1 \|$/);
});
