import { type Dirent, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { isSafeId, READ_MODEL_SCHEMA_VERSION, type RunListing, type RunSummary } from "@millrace/contracts";
import { requireInitialized } from "@millrace/workspace";
import { loadRun } from "./run-files.js";
import { compareRuns, listRuns, summarizeRun } from "./runs.js";

export interface NewestRunsOptions {
  /** How many runs to return: the last `limit` of the full listing that `keep` accepts. */
  readonly limit: number;
  /** Only runs this accepts count (e.g. a status or work-item filter); all by default. */
  readonly keep?: (run: RunSummary) => boolean;
}

/**
 * Slack on the bound below: a file system may round modification times down (to 1 s, FAT to 2 s),
 * and a stage's `started_at` is written in whole seconds or finer.
 */
const MTIME_SLACK_MS = 2_000;

interface Candidate {
  readonly name: string;
  /** Modification time of `stage_results/` in ms, or undefined when the folder holds none. */
  readonly bound: number | undefined;
}

function candidatesOf(runsDir: string): Candidate[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(runsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: Candidate[] = [];
  for (const entry of entries) {
    if (!isSafeId(entry.name)) continue;
    // listRuns follows links to folders; so does this.
    // Plain concatenation: path.join per folder is a measurable share of 10,000 stats.
    const dir = `${runsDir}${path.sep}${entry.name}`;
    if (
      !entry.isDirectory() &&
      !(entry.isSymbolicLink() && statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    )
      continue;
    const stat = statSync(`${dir}${path.sep}stage_results`, { throwIfNoEntry: false });
    found.push({ name: entry.name, bound: stat?.isDirectory() ? stat.mtimeMs : undefined });
  }
  return found;
}

/**
 * The last `limit` runs of `listRuns` (among those `keep` accepts), in the same order, reading only
 * the run folders that can be among them. A run's place in the listing is the start of its first
 * stage; that stage's result was written into `stage_results/` after it started, so the folder's
 * modification time bounds the start from above. Folders are read newest bound first, and reading
 * stops once no unread folder's bound reaches the oldest start kept. Folders without
 * `stage_results/` sort last in the listing and are always read. Two cases break the bound: times
 * copied from elsewhere (`cp -p`, an archive) and a clock that runs ahead of the file system; when
 * any folder read shows a start after its bound, the whole listing is read instead. A folder whose
 * stage results are all unreadable sorts last in the full listing but is found here only when its
 * bound is reached; `listRuns` reads every folder.
 */
export function listNewestRuns(workspaceRoot: string, options: NewestRunsOptions): RunListing {
  const { limit, keep = () => true } = options;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a whole number >= 1, got ${limit}`);
  const paths = requireInitialized(workspaceRoot);
  const candidates = candidatesOf(paths.runs).sort((a, b) =>
    a.bound === undefined || b.bound === undefined
      ? (a.bound === undefined ? 0 : 1) - (b.bound === undefined ? 0 : 1)
      : b.bound - a.bound,
  );
  const kept: RunSummary[] = [];
  for (const candidate of candidates) {
    if (candidate.bound !== undefined && kept.length >= limit) {
      const oldestKept = kept[0] as RunSummary;
      if (oldestKept.started_at && candidate.bound + MTIME_SLACK_MS < Date.parse(oldestKept.started_at))
        break;
    }
    const run = summarizeRun(loadRun(path.join(paths.runs, candidate.name), paths.root));
    if (
      candidate.bound !== undefined &&
      run.started_at &&
      Date.parse(run.started_at) > candidate.bound + MTIME_SLACK_MS
    ) {
      return fullListing(workspaceRoot, options);
    }
    if (!keep(run)) continue;
    kept.push(run);
    kept.sort(compareRuns);
    if (kept.length > limit) kept.shift();
  }
  return {
    schema_version: READ_MODEL_SCHEMA_VERSION,
    kind: "run_listing",
    workspace: paths.root,
    runs: kept,
  };
}

function fullListing(workspaceRoot: string, { limit, keep = () => true }: NewestRunsOptions): RunListing {
  const full = listRuns(workspaceRoot);
  return { ...full, runs: full.runs.filter(keep).slice(-limit) };
}
