#!/usr/bin/env node
// Sums the per-package vitest JSON reports into one closing line ("N passed, N failed") so CI can
// tell a run that tested nothing from one that passed.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
let passed = 0;
let failed = 0;
let skipped = 0;
let reports = 0;
/** Test files that failed outside any test (a hook, an import): vitest counts no failed test for them. */
let failedFiles = 0;
const failures = [];
for (const group of ["packages", "apps"]) {
  const base = path.join(repo, group);
  if (!existsSync(base)) continue;
  for (const name of readdirSync(base)) {
    const file = path.join(base, name, ".vitest-report.json");
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, "utf8"));
    reports += 1;
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    for (const suite of report.testResults ?? []) {
      const file = path.relative(repo, suite.name ?? "");
      for (const test of suite.assertionResults ?? []) {
        if (test.status !== "failed") continue;
        const first = String(test.failureMessages?.[0] ?? "")
          .split("\n")[0]
          .slice(0, 800);
        failures.push(`FAILED ${file} > ${test.fullName ?? test.title}: ${first}`);
      }
      const testFailed = (suite.assertionResults ?? []).some((test) => test.status === "failed");
      if (suite.status === "failed" && !testFailed) {
        failedFiles += 1;
        const why = String(suite.message ?? "")
          .split("\n")[0]
          .slice(0, 300);
        failures.push(
          `FAILED ${file}: ${why || "the file failed outside its tests (a hook or an import); see its output above"}`,
        );
      }
    }
  }
}
// Failures are repeated here, after every package's interleaved output, so the tail of a CI log names them.
for (const line of failures) console.log(line);
console.log(
  `Tests: ${passed} passed, ${failed} failed, ${skipped} skipped${failedFiles > 0 ? `, ${failedFiles} test file(s) failed outside their tests` : ""}`,
);
if (reports === 0 || passed + failed === 0) {
  console.error("no test reports found: did the test run execute any test?");
  process.exit(1);
}
process.exit(failed > 0 || failedFiles > 0 ? 1 : 0);
