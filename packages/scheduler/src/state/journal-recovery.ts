import { mkdirSync, readFileSync, truncateSync } from "node:fs";
import path from "node:path";
import { typedJson } from "@millrace/contracts";
import {
  appendEventLinesUnsynced,
  readEventLogTail,
  removeTempLitter,
  runDir,
  type WorkspacePaths,
  writeFileAtomicSync,
} from "@millrace/workspace";
import { buildRunTrace, RUN_TRACE_FILE_NAME, type RunTraceDecision } from "../read-models/run-trace.js";
import { checkpointFiles, type JournalRecord, journalFiles, readJournal } from "./commit-journal.js";

/** What recovery found stale and rewrote from the journal. */
export interface JournalRecovery {
  records: number;
  /** The seq the next record takes. */
  nextSeq: number;
  snapshot: boolean;
  counters: boolean;
  /** Workspace-relative files rewritten. */
  files: string[];
  /** Event lines appended because the log had lost them. */
  events: number;
  /** Workspace-relative temp files removed: a kill mid-write of a file the journal covers left them. */
  tempsRemoved: string[];
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function parsesAsJson(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function updatedAt(text: string | undefined): number {
  try {
    const value = (JSON.parse(text ?? "") as { updated_at?: unknown }).updated_at;
    return typeof value === "string" ? Date.parse(value) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * The snapshot on disk is stale when it is missing or unreadable, or older than the journal's last
 * one. A snapshot newer than the journal's (another writer's, after the journal's life ended) wins.
 */
function snapshotStale(onDisk: string | undefined, journal: string): boolean {
  if (onDisk === journal) return false;
  const disk = updatedAt(onDisk);
  if (Number.isNaN(disk)) return true;
  return disk <= updatedAt(journal);
}

/** Appends, in order, every journaled event line the log does not hold. */
function restoreEvents(paths: WorkspacePaths, records: readonly JournalRecord[]): number {
  const journaled = records.map((record) => record.events).join("");
  if (journaled === "") return 0;
  // The journal's lines were appended after any line older than its first record: the tail is enough.
  const tail = readEventLogTail(paths.runtimeEvents, Math.max(4 * Buffer.byteLength(journaled), 1 << 20));
  const present = new Set(tail.split("\n"));
  const missing = journaled
    .split("\n")
    .filter((line) => line !== "" && !present.has(line))
    .map((line) => `${line}\n`)
    .join("");
  if (missing === "") return 0;
  // A torn last line (a writer killed mid-append) is ended first, so the restored lines stay whole.
  appendEventLinesUnsynced(
    paths.runtimeEvents,
    tail !== "" && !tail.endsWith("\n") ? `\n${missing}` : missing,
  );
  return missing.split("\n").length - 1;
}

/**
 * Startup: brings every derived file up to the journal (a kill or power loss after a record's
 * append and before its derived writes left them stale), makes them durable, and empties the
 * journal. Idempotent: a kill during recovery is recovered the same way at the next start.
 */
export function recoverCommitJournal(paths: WorkspacePaths): JournalRecovery {
  const records = readJournal(paths);
  const result: JournalRecovery = {
    records: records.length,
    nextSeq: (records.at(-1)?.seq ?? -1) + 1,
    snapshot: false,
    counters: false,
    files: [],
    events: 0,
    tempsRemoved: [],
  };
  if (records.length === 0) {
    return result;
  }
  const touched = new Set<string>();
  result.events = restoreEvents(paths, records);
  const last = records.at(-1) as JournalRecord;
  const journalWins = snapshotStale(readText(paths.snapshot), last.snapshot);
  if (journalWins) {
    const counters = records.findLast((record) => record.counters !== undefined)?.counters;
    if (counters !== undefined && readText(paths.recoveryCounters) !== counters) {
      writeFileAtomicSync(paths.recoveryCounters, counters, { durable: false });
      result.counters = true;
    }
    if (readText(paths.snapshot) !== last.snapshot) {
      writeFileAtomicSync(paths.snapshot, last.snapshot, { durable: false });
      result.snapshot = true;
    }
  }
  touched.add(paths.snapshot).add(paths.recoveryCounters);
  const latest = new Map<string, string>();
  for (const record of records) for (const file of record.files) latest.set(file.path, file.text);
  // Traces of runs that ended, where no record holds the trace itself (a kill came before the
  // commit that builds it): built now from the run folder and the marker's decisions.
  for (const record of records)
    for (const marker of record.traces ?? []) {
      const file = path.join(runDir(paths, marker.run_id), RUN_TRACE_FILE_NAME);
      const relative = path.relative(paths.root, file);
      if (latest.has(relative)) continue;
      if (!parsesAsJson(readText(file))) {
        try {
          const trace = buildRunTrace(path.dirname(file), {
            active: false,
            decisions: marker.decisions as unknown as RunTraceDecision[],
            status: marker.status,
          });
          writeFileAtomicSync(file, typedJson(trace), { durable: false });
          result.files.push(relative);
        } catch {
          // A run folder gone since: readers derive what is left from the stage results.
          continue;
        }
      }
      touched.add(file);
    }
  for (const [relative, text] of latest) {
    const file = path.join(paths.root, relative);
    // Written once and never changed: a whole file is the journal's; a missing or torn one is rebuilt.
    if (!parsesAsJson(readText(file))) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileAtomicSync(file, text, { durable: false });
      result.files.push(relative);
    }
    touched.add(file);
  }
  // A kill in the middle of one of these writes left a temp file beside it. The startup sweep only
  // looks in the folders of active or in-flight runs, and a run's trace is written after the run
  // ended (while another run is active), so the folders the journal wrote into are swept here.
  const dirs = new Set([...touched].map((file) => path.dirname(file)));
  result.tempsRemoved = removeTempLitter([...dirs]).map((file) => path.relative(paths.root, file));
  checkpointFiles(paths, touched);
  // Emptied, not removed: the engine opens both generations for appending next.
  for (const file of journalFiles(paths)) {
    try {
      truncateSync(file, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return result;
}
