import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { lazySchema } from "@millrace/contracts";
import {
  appendEventLinesUnsynced,
  fsyncDirSync,
  syncEventLog,
  type WorkspacePaths,
  writeFileAtomicSync,
} from "@millrace/workspace";
import { z } from "zod";

/**
 * The engine's group-commit journal (`state/commit_journal.jsonl`, engine-owned like the inflight
 * records, not part of the reference workspace format). A step's commit appends ONE record holding
 * everything the step must make durable (the snapshot, the counters when they changed, the step's
 * event lines, the files it wrote such as the stage result); a durable commit fsyncs that one file
 * once. The files other readers use (snapshot, counters, event log, stage results, run traces)
 * are then written without an fsync: they are derived. A kill, or a power loss, between the append
 * and those writes leaves them stale; `recoverCommitJournal` rewrites them from the journal at the
 * next start. A checkpoint (every CHECKPOINT_RECORDS durable records, at start and at close)
 * fsyncs the derived files written since the last one and empties the journal, so it stays small.
 */

/** Durable records between checkpoints: each checkpoint fsyncs the derived files written since. */
export const CHECKPOINT_RECORDS = 64;

/** A run that ended: what its trace is built from, besides the run folder. */
function TraceMarkerSchemaShape() {
  return z.object({
    run_id: z.string(),
    status: z.enum(["complete", "handoff", "blocked"]),
    decisions: z.array(z.looseObject({ request_id: z.string() })),
  });
}

export const JournalRecordSchema = lazySchema(() =>
  z.object({
    seq: z.number().int().nonnegative(),
    /** The snapshot file's full text after the step. */
    snapshot: z.string(),
    /** The counters file's full text, when the step changed the counters. */
    counters: z.string().optional(),
    /** The step's event lines, each ending in a newline. */
    events: z.string(),
    /** Files of the step, workspace-relative, with their full text. */
    files: z.array(z.object({ path: z.string(), text: z.string() })),
    /**
     * Runs the step ended whose trace a later step builds and writes (recovery builds a trace that
     * no record holds as a file).
     */
    traces: z.array(TraceMarkerSchemaShape()).optional(),
  }),
);
export type JournalRecord = z.infer<typeof JournalRecordSchema>;

/** A file a step wrote (or asks the commit to write): the journal keeps its text until the checkpoint. */
export interface StepFile {
  /** Absolute path inside the workspace. */
  path: string;
  text: string;
  /** True when it is already on disk (written without fsync); false asks the commit to write it. */
  written: boolean;
}

/** A run that ended, as the journal keeps it until its trace is written (`run_trace.json`). */
export type TraceMarker = NonNullable<JournalRecord["traces"]>[number];

/**
 * A run trace to build after its step's commit: the step's record keeps the marker; the trace is
 * built by a later commit (after the next stage's launch) and written through that commit's record.
 */
export interface DeferredTrace {
  marker: TraceMarker;
  /** Whether a record holds the marker already. */
  recorded: boolean;
  /** Builds the trace and adds it to the step's files (or records why it could not). */
  build(): void;
}

export interface StepCommit {
  snapshotText: string;
  countersText?: string;
  eventsText: string;
  files: readonly StepFile[];
  /** Runs this step ended whose traces are built later. */
  traces?: readonly TraceMarker[];
  /** How many traces of earlier records this step's files hold. */
  tracesBuilt?: number;
}

/** The two generation files (`state/commit_journal.0.jsonl`, `.1.jsonl`). */
export function journalFiles(paths: WorkspacePaths): [string, string] {
  return [path.join(paths.state, "commit_journal.0.jsonl"), path.join(paths.state, "commit_journal.1.jsonl")];
}

function writeAll(fd: number, text: string): void {
  const buffer = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

/** Fsyncs a file if it exists (a derived file may have been removed since; nothing to keep then). */
function fsyncFile(file: string): void {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Fsyncs files off the main thread (libuv's pool); resolves when all are done, never rejects. */
async function fsyncInBackground(files: readonly string[]): Promise<void> {
  await Promise.all(
    files.map(async (file) => {
      let handle: fsp.FileHandle | undefined;
      try {
        handle = await fsp.open(file, "r");
        await handle.sync();
      } catch {
        // Gone since (a run folder removed): nothing to keep. A folder refusing fsync: as fsyncDirSync.
      } finally {
        await handle?.close();
      }
    }),
  );
}

/**
 * The journal of one engine life, in two generation files: appends go to the active one; a
 * checkpoint switches to the other, fsyncs the files the retired generation covered, then empties
 * it. The files rewritten at every step (snapshot, counters, event log) are fsync'd at once, right
 * after a durable append, so they hold exactly what the journal holds; the write-once files (stage
 * results, run traces) and their folders are fsync'd in the background, and only then is the
 * retired generation emptied. Recovery reads both generations in seq order.
 */
export class CommitJournal {
  private readonly fds: [number, number];
  private active = 0;
  private records = 0;
  /** Write-once files written since the last checkpoint (absolute paths). */
  private writeOnce = new Set<string>();
  /** The generation whose background checkpoint is running, if one is. */
  private retiring: Promise<void> | undefined;
  private closed = false;
  /** Event lines and snapshot of non-durable steps, written with the next durable one. */
  private deferredEvents = "";
  /** Event lines of the records appended since the last fsync'd one. */
  private unsyncedEvents = "";
  private deferredSnapshot: string | undefined;
  /** Records appended without fsync since the last fsync'd one. */
  private unsyncedRecords = 0;
  /** Trace markers appended whose traces no record holds yet: a checkpoint waits for them. */
  private openTraces = 0;

  private constructor(
    private readonly paths: WorkspacePaths,
    private seq: number,
  ) {
    const files = journalFiles(paths);
    this.fds = [openSync(files[0], "a", 0o644), openSync(files[1], "a", 0o644)];
  }

  /** Opens the journal (run `recoverCommitJournal` first: it leaves both generations empty). */
  static open(paths: WorkspacePaths, nextSeq = 0): CommitJournal {
    return new CommitJournal(paths, nextSeq);
  }

  /**
   * Appends the step's record (fsync'd once when `durable`), then writes the derived files without
   * fsync: counters, the step's files, then event lines and the snapshot (those two of a step that
   * is not durable wait for the next durable one, or for the next step asking `writeDerived`).
   * `deferSnapshot` leaves the snapshot file (only) to the next commit that writes derived files:
   * a stage result's commit, whose cycle closes with another commit moments later, so the snapshot
   * file is replaced once per handoff instead of twice.
   */
  commit(step: StepCommit, durable: boolean, writeDerived = durable, deferSnapshot = false): void {
    const root = this.paths.root;
    const record: JournalRecord = {
      seq: this.seq,
      snapshot: step.snapshotText,
      ...(step.countersText !== undefined ? { counters: step.countersText } : {}),
      events: step.eventsText,
      files: step.files.map((file) => ({ path: path.relative(root, file.path), text: file.text })),
      ...(step.traces && step.traces.length > 0 ? { traces: [...step.traces] } : {}),
    };
    this.openTraces += (step.traces?.length ?? 0) - (step.tracesBuilt ?? 0);
    this.seq += 1;
    const fd = this.fds[this.active] as number;
    writeAll(fd, `${JSON.stringify(record)}\n`);
    if (durable) fdatasyncSync(fd);
    this.unsyncedEvents = durable ? "" : this.unsyncedEvents + step.eventsText;
    this.unsyncedRecords = durable ? 0 : this.unsyncedRecords + 1;
    if (step.countersText !== undefined)
      writeFileAtomicSync(this.paths.recoveryCounters, step.countersText, { durable: false });
    for (const file of step.files) {
      if (!file.written) writeFileAtomicSync(file.path, file.text, { durable: false });
      this.writeOnce.add(file.path);
    }
    // A step that is not durable (a stage start) leaves its event lines and snapshot to the next
    // commit, which follows within the same cycle: one log append and one snapshot write for both.
    this.deferredEvents += step.eventsText;
    this.deferredSnapshot = step.snapshotText;
    if (durable || writeDerived) this.writeDeferred(!deferSnapshot);
    if (durable) {
      this.records += 1;
      // Not while a trace marker waits for its trace: emptying its generation would lose it.
      if (this.records >= CHECKPOINT_RECORDS && !this.retiring && this.openTraces === 0)
        this.checkpointInBackground();
    }
  }

  /** True when every event line appended since the last fsync'd record is of `eventType` (and there is one). */
  unsyncedOnly(eventType: string): boolean {
    const lines = this.unsyncedEvents.split("\n").filter((line) => line !== "");
    const type = `"event_type":${JSON.stringify(eventType)}`;
    return lines.length > 0 && lines.every((line) => line.includes(type));
  }

  /**
   * True when every record is fsync'd and every derived file written: the files on disk hold the
   * last record's state, so a step that changes nothing needs no record of its own.
   */
  caughtUp(): boolean {
    return this.unsyncedRecords === 0 && this.deferredEvents === "" && this.deferredSnapshot === undefined;
  }

  /** Writes the event lines and snapshot that earlier commits left for later (no new record). */
  writeDerived(): void {
    this.writeDeferred();
  }

  private writeDeferred(snapshot = true): void {
    appendEventLinesUnsynced(this.paths.runtimeEvents, this.deferredEvents);
    this.deferredEvents = "";
    if (snapshot && this.deferredSnapshot !== undefined)
      writeFileAtomicSync(this.paths.snapshot, this.deferredSnapshot, { durable: false });
    this.deferredSnapshot = undefined;
  }

  /** Right after a durable append: the rewritten files now, the write-once ones in the background. */
  private checkpointInBackground(): void {
    // A deferred snapshot first: the retired generation holding its record is emptied below.
    this.writeDeferred();
    syncRewrittenFiles(this.paths);
    const retired = this.active;
    const files = [...this.writeOnce];
    const dirs = [...new Set(files.map((file) => path.dirname(file)))];
    this.active = 1 - retired;
    this.writeOnce = new Set();
    this.records = 0;
    this.retiring = fsyncInBackground(files)
      .then(() => fsyncInBackground(dirs))
      .then(() => {
        if (this.closed) return;
        ftruncateSync(this.fds[retired] as number, 0);
        fsyncSync(this.fds[retired] as number);
      })
      .finally(() => {
        this.retiring = undefined;
      });
  }

  /** Everything made durable now and both generations emptied (a clean close, a start). */
  checkpoint(): void {
    this.writeDeferred();
    this.unsyncedEvents = "";
    const files = [...this.writeOnce];
    for (const file of files) fsyncFile(file);
    for (const dir of new Set(files.map((file) => path.dirname(file)))) fsyncDirSync(dir);
    syncRewrittenFiles(this.paths);
    // A background checkpoint still running covers files written before this one: all synced above
    // or before, as those were written before these fsyncs.
    for (const fd of this.fds) {
      ftruncateSync(fd, 0);
      fsyncSync(fd);
    }
    this.writeOnce.clear();
    this.records = 0;
  }

  /** Checkpoints and closes (a clean close leaves an empty journal). */
  close(): void {
    if (this.closed) return;
    this.checkpoint();
    this.closed = true;
    for (const fd of this.fds) closeSync(fd);
  }

  /** Resolves when no background checkpoint runs (tests). */
  async settled(): Promise<void> {
    await this.retiring;
  }
}

/** Fsyncs the files every step rewrites: snapshot, counters, the event log, and their folders. */
function syncRewrittenFiles(paths: WorkspacePaths): void {
  fsyncFile(paths.snapshot);
  fsyncFile(paths.recoveryCounters);
  syncEventLog(paths.runtimeEvents);
  fsyncDirSync(paths.state);
  fsyncDirSync(path.dirname(paths.runtimeEvents));
}

/** Fsyncs the given files, their folders, and the rewritten files (recovery's checkpoint). */
export function checkpointFiles(paths: WorkspacePaths, files: Iterable<string>): void {
  const dirs = new Set<string>();
  for (const file of files) {
    fsyncFile(file);
    dirs.add(path.dirname(file));
  }
  for (const dir of dirs) fsyncDirSync(dir);
  syncRewrittenFiles(paths);
}

/** The journal's complete records in order; a torn last line (a write cut off) is not a record. */
export function readJournal(paths: WorkspacePaths): JournalRecord[] {
  let text = "";
  for (const file of journalFiles(paths)) {
    try {
      text += `${readFileSync(file, "utf8")}\n`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  const records: JournalRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      records.push(JournalRecordSchema.parse(JSON.parse(line)));
    } catch {
      // A torn line is the last one, written by a life killed mid-append: its step never committed.
    }
  }
  return records.sort((a, b) => a.seq - b.seq);
}
