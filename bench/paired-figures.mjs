// Reads the figures a bench suite prints and pairs the figures of two builds (bench/paired-builds.mjs).
// It parses the printed text, not bench/results: the suites of older checkouts print through an
// older `report()` that records nothing, and the engine suite prints most of its figures as prose.
// Both builds go through the same parser, so a figure has the same name on both sides.

const REPORT_LINE =
  /^(?<label>.*\S)\s+(?<ms>-?\d+\.\d) ms(?: {2}\((?<perOp>-?\d+(?:\.\d+)?) ms\/op over (?<count>\d+)\))?(?: {2}\[node -e 0: [^\]]*\])?$/;
// Older suites put a sample median into the label: "dispatch: x (median 0.512 ms)".
const MEDIAN_IN_LABEL = /^(?<label>.*) \(median (?<median>\d+(?:\.\d+)?) ms\)$/;
// "(median of 5, budget 300)" and "(median of 200)" name how a figure was taken, not what it is.
const HOW_TAKEN = /\s*\(median of \d+[^)]*\)/g;

// The engine suite's prose figures: [pattern, figure name, unit]. `section` is the case they follow.
const ENGINE_LINES = [
  [/^\s+engine overhead per handoff \(wall - runner\)\s+(-?[\d.]+) ms/, "engine overhead per handoff", "ms"],
  [/^\s+gap stage_completed -> next stage_started\s+median (-?[\d.]+) ms/, "handoff gap, median", "ms"],
  [/^\s+wall per stage\s+(-?[\d.]+) ms/, "wall per stage", "ms"],
  [
    /^\s+per stage, wall minus the runner's own time\s+p50 (-?[\d.]+) ms/,
    "per stage minus runner, p50",
    "ms",
  ],
  [/^\s+RSS before .*, peak ([\d.]+) MB/, "peak RSS", "MB"],
  [/^\s+CPU time used\s+([\d.]+) ms/, "CPU time", "ms"],
];
const ENGINE_SECTION = /^(?<label>.+): \d+ tasks, \d+ stages$/;
const IDLE_SECTION = /^(?<label>daemon idle, watchers (?:on|off))\b/;
const BACKLOG_LINE = /^\s+empty queue (?<empty>[\d.]+) ms, (?<queued>\d+) queued (?<full>[\d.]+) ms/;

/**
 * Every figure in one suite's stdout, in order: `{ label, value, unit }`. An indented report line
 * is named after the unindented one above it ("compile demo (cold process total) › in-process first
 * compile"); a name seen twice gets "#2". Warm-up sections are skipped.
 */
export function parseSuiteOutput(text) {
  const figures = [];
  const seen = new Map();
  const add = (label, value, unit = "ms") => {
    const count = (seen.get(label) ?? 0) + 1;
    seen.set(label, count);
    if (Number.isFinite(value))
      figures.push({ label: count > 1 ? `${label} #${count}` : label, value, unit });
  };
  let parent = null;
  let section = null;
  for (const line of text.split("\n")) {
    const heading = ENGINE_SECTION.exec(line) ?? IDLE_SECTION.exec(line);
    if (heading) {
      section = heading.groups.label.startsWith("warm-up") ? null : heading.groups.label;
      continue;
    }
    const backlog = BACKLOG_LINE.exec(line);
    if (backlog) {
      add("(q) handoff p50, empty queue", Number(backlog.groups.empty));
      add(`(q) handoff p50, ${backlog.groups.queued} queued`, Number(backlog.groups.full));
      continue;
    }
    const prose = ENGINE_LINES.find(([pattern]) => pattern.test(line));
    if (prose) {
      if (section) add(`${section}: ${prose[1]}`, Number(prose[0].exec(line)[1]), prose[2]);
      continue;
    }
    const report = REPORT_LINE.exec(line);
    if (!report) continue;
    const value = Number(report.groups.perOp ?? report.groups.ms);
    let label = report.groups.label.trim();
    const median = MEDIAN_IN_LABEL.exec(label);
    if (median) label = median.groups.label;
    label = label.replace(HOW_TAKEN, "");
    if (/^\s/.test(report.groups.label) && parent) label = `${parent} › ${label}`;
    else parent = label;
    add(label, value);
    if (median) add(`${label}, median`, Number(median.groups.median));
  }
  return figures;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Pairs the runs of two builds. `before` and `after` are arrays of rounds, each the figure list of
 * one process (parseSuiteOutput). Per figure: the median of each side, the ratio of the medians
 * (after / before; above 1 is slower or bigger), and the median of the per-round ratios (each round
 * ran both builds back to back, so that ratio shares the machine's load). `worse` lists the rows
 * whose ratio is above 1 + threshold; `onlyBefore` / `onlyAfter` the figures one side lacks.
 */
export function pairFigures(before, after, { threshold = 0.05 } = {}) {
  const collect = (rounds) => {
    const byLabel = new Map();
    rounds.forEach((figures, round) => {
      for (const figure of figures) {
        if (!byLabel.has(figure.label)) byLabel.set(figure.label, { unit: figure.unit, values: new Map() });
        byLabel.get(figure.label).values.set(round, figure.value);
      }
    });
    return byLabel;
  };
  const b = collect(before);
  const a = collect(after);
  const rows = [];
  for (const [label, left] of b) {
    const right = a.get(label);
    if (!right) continue;
    const beforeMedian = median([...left.values.values()]);
    const afterMedian = median([...right.values.values()]);
    const perRound = [...left.values.keys()]
      .filter((round) => right.values.has(round) && left.values.get(round) > 0)
      .map((round) => right.values.get(round) / left.values.get(round));
    rows.push({
      label,
      unit: left.unit,
      before: beforeMedian,
      after: afterMedian,
      ratio: beforeMedian > 0 ? afterMedian / beforeMedian : Number.NaN,
      pairedRatio: perRound.length > 0 ? median(perRound) : Number.NaN,
      rounds: Math.min(left.values.size, right.values.size),
    });
  }
  return {
    rows,
    worse: rows.filter((row) => row.ratio > 1 + threshold),
    onlyBefore: [...b.keys()].filter((label) => !a.has(label)),
    onlyAfter: [...a.keys()].filter((label) => !b.has(label)),
    threshold,
  };
}

function show(value, unit) {
  if (!Number.isFinite(value)) return "-";
  const digits = Math.abs(value) < 1 ? 4 : Math.abs(value) < 100 ? 2 : 1;
  return `${value.toFixed(digits)}${unit === "ms" ? "" : ` ${unit}`}`;
}

/** The comparison as a Markdown table plus the lists (what bench/paired-builds.mjs prints). */
export function formatPairing({ rows, worse, onlyBefore, onlyAfter, threshold }, { suite = "" } = {}) {
  const lines = [
    `| ${suite ? `${suite}: ` : ""}figure (ms unless marked) | before | after | after / before | paired ratio | rounds |`,
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    const flag = row.ratio > 1 + threshold ? " **worse**" : "";
    lines.push(
      `| ${row.label} | ${show(row.before, row.unit)} | ${show(row.after, row.unit)} | ${row.ratio.toFixed(3)}${flag} | ${row.pairedRatio.toFixed(3)} | ${row.rounds} |`,
    );
  }
  const pct = Math.round(threshold * 100);
  lines.push("");
  if (worse.length === 0) lines.push(`no figure more than ${pct} % worse`);
  else {
    lines.push(`${worse.length} figure(s) more than ${pct} % worse (ratio of medians):`);
    for (const row of worse) lines.push(`  ${row.ratio.toFixed(3)}×  ${row.label}`);
  }
  if (onlyBefore.length > 0) lines.push(`only before: ${onlyBefore.join("; ")}`);
  if (onlyAfter.length > 0) lines.push(`only after: ${onlyAfter.join("; ")}`);
  return lines.join("\n");
}
