import type { RunListing, RunSummary } from "@millrace/contracts";
import { type Paint, paintStatus } from "../color.js";

/**
 * The shortest id width (8, 12, 16 hex digits, then all) at which every listed run stays distinct,
 * the way `--monitor basic` shortens `run=…`; `runs show` accepts each of them.
 */
function shortWidth(runs: readonly RunSummary[]): number {
  const bare = runs.map((run) => run.run_id.replace(/^run-/, ""));
  for (const width of [8, 12, 16]) {
    if (new Set(bare.map((id) => id.slice(0, width))).size === bare.length) return width;
  }
  return Math.max(0, ...bare.map((id) => id.length));
}

/** `2026-04-28T10:00:01.000Z` → `2026-04-28 10:00:01` (UTC, as the run records it). */
function shortTime(iso: string | null): string {
  if (!iso) return "-";
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}

function resultOf(run: RunSummary): string {
  if (run.status !== "valid") return run.status;
  return run.last_terminal_result ?? run.last_result_class ?? "-";
}

/** What `runs ls` prints: one row per run under a header, columns padded to the widest cell. */
export function runsTable(runs: readonly RunSummary[], paint: Paint): string {
  if (runs.length === 0) return "runs: none\n";
  const width = shortWidth(runs);
  const header = ["RUN", "STARTED (UTC)", "STATUS", "STAGES", "ITEM", "LAST STAGE", "RESULT", "FAILURE"];
  const rows = runs.map((run) => [
    run.run_id.replace(/^run-/, "").slice(0, width),
    shortTime(run.started_at),
    run.status,
    String(run.stage_count),
    run.work_item_id ? `${run.work_item_kind ?? "?"}:${run.work_item_id}` : "-",
    run.last_stage ?? "-",
    resultOf(run),
    run.failure_class ?? "-",
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const render = (cells: string[], style: (cell: string, column: number) => string) =>
    `${cells
      .map((cell, column) => {
        const padded = column === cells.length - 1 ? cell : cell.padEnd(widths[column] as number);
        return style(cell, column) + padded.slice(cell.length);
      })
      .join("  ")}\n`;
  const headerLine = render(header, (cell) => paint.bold(cell));
  const body = rows.map((row) =>
    render(row, (cell, column) => {
      if (column === 0) return paint.cyan(cell);
      if (column === 2) return paintStatus(paint, cell);
      if (column === 7 && cell !== "-") return paint.red(cell);
      return cell;
    }),
  );
  return headerLine + body.join("");
}

/**
 * The line under a page of `runs ls` that does not hold every run: how many it shows, and how to
 * see the next page. A filtered page knows no total.
 */
export function runsPageLine(listing: RunListing): string {
  const { runs, total } = listing;
  const skipped = listing.offset ?? 0;
  const nextOffset = listing.next_offset ?? null;
  if (skipped === 0 && nextOffset === null) return "";
  const of = total === undefined ? "" : ` of ${total}`;
  const skipping = skipped === 0 ? "" : `, skipping the newest ${skipped}`;
  const next = nextOffset === null ? "" : ` (--offset ${nextOffset} the next page)`;
  return `shown: ${runs.length}${of} runs${skipping}${next}\n`;
}
