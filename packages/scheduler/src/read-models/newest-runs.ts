import { type Dirent, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { isSafeId, READ_MODEL_SCHEMA_VERSION, type RunListing, type RunSummary } from "@millrace/contracts";
import { requireInitialized, type WorkspacePaths } from "@millrace/workspace";
import {
  type NewestRunsRecord,
  namesDigest,
  RECORD_LISTED,
  RECORD_MAX_LISTED,
  readNewestRunsRecord,
  stageResultsTime,
  writeNewestRunsRecord,
} from "./newest-runs-record.js";
import { loadRun } from "./run-files.js";
import { compareRuns, listRuns, summarizeRun } from "./run-summary.js";

export interface NewestRunsOptions {
  /** How many runs to return: the last `limit` of the full listing that `keep` accepts. */
  readonly limit: number;
  /** Only runs this accepts count (e.g. a status or work-item filter); all by default. */
  readonly keep?: (run: RunSummary) => boolean;
  /**
   * Whether a full scan rewrites the newest-runs record (the default). A reader that must not write
   * to the workspace (the dashboard) passes false: the answer is the same, only the next call is slower.
   */
  readonly saveRecord?: boolean;
}

/**
 * Slack on the bound below: a file system may round modification times down (to 1 s, FAT to 2 s),
 * and a stage's `started_at` is written in whole seconds or finer.
 */
const MTIME_SLACK_MS = 2_000;

interface Candidate {
  /** The folder's name; null for the stand-in of every folder the record does not list. */
  readonly name: string | null;
  /** Modification time of `stage_results/` in ms, or undefined when the folder holds none. */
  readonly bound: number | undefined;
}

/** The names in `runs/`: plain strings, no Dirent per folder (10,000 fewer objects when the record holds). */
function listNames(runsDir: string): string[] {
  try {
    return readdirSync(runsDir);
  } catch {
    return [];
  }
}

function listEntries(runsDir: string): Dirent[] {
  try {
    return readdirSync(runsDir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** A run folder as listRuns sees one: a safe name, and a folder or a link to one (listRuns follows links). */
function isRunFolder(entry: Dirent, dir: string): boolean {
  if (!isSafeId(entry.name)) return false;
  return (
    entry.isDirectory() ||
    (entry.isSymbolicLink() && statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true)
  );
}

/** How many run folders `listRuns` would list: one listing of `runs/`, no folder read. */
export function countRunFolders(workspaceRoot: string): number {
  const { runs } = requireInitialized(workspaceRoot);
  return listEntries(runs).filter((entry) => isRunFolder(entry, `${runs}${path.sep}${entry.name}`)).length;
}

function candidatesOf(runsDir: string, entries: readonly Dirent[]): Candidate[] {
  const found: Candidate[] = [];
  for (const entry of entries) {
    // Plain concatenation: path.join per folder is a measurable share of 10,000 stats.
    const dir = `${runsDir}${path.sep}${entry.name}`;
    if (!isRunFolder(entry, dir)) continue;
    const stat = statSync(`${dir}${path.sep}stage_results`, { throwIfNoEntry: false });
    found.push({ name: entry.name, bound: stat?.isDirectory() ? stat.mtimeMs : undefined });
  }
  return found;
}

/** The listed folders, as candidatesOf would see them, plus one stand-in at the record's horizon. */
function recordCandidates(runsDir: string, record: NewestRunsRecord): Candidate[] {
  const found: Candidate[] = [];
  for (const name of record.listed) {
    const dir = `${runsDir}${path.sep}${name}`;
    const bound = stageResultsTime(dir);
    if (bound !== undefined || statSync(dir, { throwIfNoEntry: false })?.isDirectory())
      found.push({ name, bound });
  }
  if (record.horizonMs !== null) found.push({ name: null, bound: record.horizonMs });
  return found;
}

/** Folders without stage results first, then by `stage_results/` time, newest first. */
function byBound(a: Candidate, b: Candidate): number {
  return a.bound === undefined || b.bound === undefined
    ? (a.bound === undefined ? 0 : 1) - (b.bound === undefined ? 0 : 1)
    : b.bound - a.bound;
}

/**
 * The newest `limit` runs among the candidates, read newest bound first until no unread bound can
 * reach the oldest start kept. "full" when a folder read shows a start after its bound; "rest" when
 * the walk needs the folders behind the record's stand-in.
 */
function walk(
  paths: WorkspacePaths,
  candidates: Candidate[],
  { limit, keep = () => true }: NewestRunsOptions,
): RunSummary[] | "full" | "rest" {
  const kept: RunSummary[] = [];
  for (const candidate of candidates.sort(byBound)) {
    if (candidate.bound !== undefined && kept.length >= limit) {
      const oldestKept = kept[0] as RunSummary;
      if (oldestKept.started_at && candidate.bound + MTIME_SLACK_MS < Date.parse(oldestKept.started_at))
        break;
    }
    if (candidate.name === null) return "rest";
    const run = summarizeRun(loadRun(path.join(paths.runs, candidate.name), paths.root));
    if (
      candidate.bound !== undefined &&
      run.started_at &&
      Date.parse(run.started_at) > candidate.bound + MTIME_SLACK_MS
    ) {
      return "full";
    }
    if (!keep(run)) continue;
    kept.push(run);
    kept.sort(compareRuns);
    if (kept.length > limit) kept.shift();
  }
  return kept;
}

/** A record from a full scan: every folder without stage results and the newest RECORD_LISTED others. */
function recordFromScan(
  now: { names: number; namesDigest: string },
  candidates: readonly Candidate[],
): NewestRunsRecord | undefined {
  const sorted = [...candidates].sort(byBound);
  const unbounded = sorted.filter((candidate) => candidate.bound === undefined).length;
  const listedCount = Math.min(sorted.length, unbounded + RECORD_LISTED);
  if (listedCount > RECORD_MAX_LISTED) return undefined;
  return {
    ...now,
    horizonMs: sorted[listedCount]?.bound ?? null,
    listed: sorted.slice(0, listedCount).map((candidate) => candidate.name as string),
  };
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
 *
 * The bounds come from the newest-runs record when it is valid for the names in `runs/` now (only
 * its listed folders are `stat`ed; the rest count as one folder at its horizon), else from a `stat`
 * of every folder, after which the record is rewritten (newest-runs-record.ts).
 */
export function listNewestRuns(workspaceRoot: string, options: NewestRunsOptions): RunListing {
  const { limit, keep = () => true } = options;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a whole number >= 1, got ${limit}`);
  const paths = requireInitialized(workspaceRoot);
  const record = readNewestRunsRecord(paths);
  let kept: RunSummary[] | "full" | "rest" = "rest";
  let trusted = false;
  if (record) {
    const now = namesDigest(listNames(paths.runs));
    trusted = record.names === now.names && record.namesDigest === now.namesDigest;
    if (trusted) kept = walk(paths, recordCandidates(paths.runs, record), options);
  }
  if (kept === "rest") {
    // Listed again with types: the record written below must describe this listing, not the one above.
    const entries = listEntries(paths.runs);
    const candidates = candidatesOf(paths.runs, entries);
    if (!trusted) {
      const rebuilt = recordFromScan(namesDigest(entries.map((entry) => entry.name)), candidates);
      if (rebuilt && options.saveRecord !== false) writeNewestRunsRecord(paths, rebuilt);
    }
    kept = walk(paths, candidates, options);
  }
  // "rest" cannot come from a scan without a stand-in; reading everything is the safe answer anyway.
  if (kept === "full" || kept === "rest") {
    const full = listRuns(workspaceRoot);
    return { ...full, runs: full.runs.filter(keep).slice(-limit) };
  }
  return {
    schema_version: READ_MODEL_SCHEMA_VERSION,
    kind: "run_listing",
    workspace: paths.root,
    runs: kept,
  };
}
