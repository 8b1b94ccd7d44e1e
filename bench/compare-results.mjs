// Compares a bench run (bench/results/latest.json) with the committed baseline (bench/baseline.json).
// Times are compared as multiples of the `node -e 0` floor measured in their own run, so that a
// busier machine (which slows node's own start as much as ours) does not read as a regression;
// other units (MB) are compared as they are. Report only: nothing here fails a build.

const key = (figure) => `${figure.suite} / ${figure.label}`;

/** The figure in comparable terms: milliseconds as a multiple of the floor, anything else raw. */
function normalised(figure) {
  return figure.unit === "ms" || figure.unit === undefined ? figure.value / figure.floor : figure.value;
}

/**
 * One row per figure present in both runs: `change` is latest / baseline - 1 of the normalised
 * value (0.12 = 12 % worse). `regressions` are the rows over `threshold`; `missing` are baseline
 * figures of the suites that ran which the latest run did not report.
 */
export function compareResults(baseline, latest, { threshold = 0.1 } = {}) {
  const before = new Map(baseline.figures.map((figure) => [key(figure), figure]));
  const rows = [];
  for (const figure of latest.figures) {
    const old = before.get(key(figure));
    if (!old) continue;
    const change = normalised(figure) / normalised(old) - 1;
    rows.push({ key: key(figure), before: old, after: figure, change });
  }
  const seen = new Set(latest.figures.map(key));
  const ran = new Set(latest.suites ?? latest.figures.map((figure) => figure.suite));
  const missing = baseline.figures.filter((figure) => ran.has(figure.suite) && !seen.has(key(figure)));
  return { rows, regressions: rows.filter((row) => row.change > threshold), missing, threshold };
}

function show(figure) {
  const unit = figure.unit ?? "ms";
  if (unit !== "ms") return `${figure.value.toFixed(1)} ${unit}`;
  return `${figure.value.toFixed(figure.value < 1 ? 4 : 1)} ms (${(figure.value / figure.floor).toFixed(3)}× node ${figure.floor.toFixed(1)} ms)`;
}

export function formatComparison({ rows, regressions, missing, threshold }) {
  const lines = [`\ncompared with bench/baseline.json: ${rows.length} figures`];
  if (regressions.length === 0) lines.push(`no figure more than ${Math.round(threshold * 100)} % worse`);
  else {
    lines.push(
      `${regressions.length} figure(s) more than ${Math.round(threshold * 100)} % worse (report only):`,
    );
    for (const row of regressions)
      lines.push(
        `  +${(row.change * 100).toFixed(0)} %  ${row.key}: ${show(row.before)} -> ${show(row.after)}`,
      );
  }
  const better = rows.filter((row) => row.change < -threshold);
  if (better.length > 0) {
    lines.push(`${better.length} figure(s) more than ${Math.round(threshold * 100)} % better:`);
    for (const row of better)
      lines.push(
        `  ${(row.change * 100).toFixed(0)} %  ${row.key}: ${show(row.before)} -> ${show(row.after)}`,
      );
  }
  for (const figure of missing) lines.push(`  missing from this run: ${key(figure)}`);
  return lines.join("\n");
}
