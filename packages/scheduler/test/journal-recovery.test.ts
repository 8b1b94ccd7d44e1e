import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CommitJournal, journalFiles, readJournal } from "../src/state/commit-journal.js";
import { recoverCommitJournal } from "../src/state/journal-recovery.js";
import { demoWorkspace } from "./fixtures.js";

const line = (n: number) =>
  `${JSON.stringify({ data: { n }, event_type: "runtime_tick_idle", kind: "runtime_event", occurred_at: `2026-05-01T00:00:0${n}.000+00:00`, schema_version: "1.0" })}\n`;

function snapshotText(updatedAt: string, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ updated_at: updatedAt, ...extra }, null, 2)}\n`;
}

function journalRecord(
  ws: ReturnType<typeof demoWorkspace>,
  seq: number,
  fields: { snapshot: string; events?: string; counters?: string; files?: { path: string; text: string }[] },
) {
  const record = { seq, events: "", files: [], ...fields };
  writeFileSync(journalFiles(ws.paths)[seq % 2] as string, `${JSON.stringify(record)}\n`, { flag: "a" });
}

describe("commit journal recovery", () => {
  it("rebuilds a stale snapshot, counters, a missing stage result and lost event lines, once", () => {
    const ws = demoWorkspace();
    writeFileSync(ws.paths.snapshot, snapshotText("2026-05-01T00:00:00+00:00"));
    mkdirSync(path.dirname(ws.paths.runtimeEvents), { recursive: true });
    writeFileSync(ws.paths.runtimeEvents, line(1));
    const result = path.join("millrace-agents", "runs", "run-1", "stage_results", "request-1.json");
    journalRecord(ws, 0, { snapshot: snapshotText("2026-05-01T00:00:01+00:00"), events: line(1) });
    journalRecord(ws, 1, {
      snapshot: snapshotText("2026-05-01T00:00:02+00:00", { step: 2 }),
      events: line(2) + line(3),
      counters: '{"entries":[]}\n',
      files: [{ path: result, text: '{"ok":true}\n' }],
    });
    const recovery = recoverCommitJournal(ws.paths);
    expect(recovery).toMatchObject({ records: 2, nextSeq: 2, snapshot: true, counters: true, events: 2 });
    expect(recovery.files).toEqual([result]);
    expect(readFileSync(ws.paths.snapshot, "utf8")).toContain('"step": 2');
    expect(readFileSync(ws.paths.recoveryCounters, "utf8")).toBe('{"entries":[]}\n');
    expect(readFileSync(path.join(ws.root, result), "utf8")).toBe('{"ok":true}\n');
    // Line 1 was already there: appended once, in order, never twice.
    expect(readFileSync(ws.paths.runtimeEvents, "utf8")).toBe(line(1) + line(2) + line(3));
    expect(readJournal(ws.paths)).toEqual([]);
    // A second recovery has nothing left to do.
    expect(recoverCommitJournal(ws.paths)).toMatchObject({ records: 0, snapshot: false, events: 0 });
    expect(readFileSync(ws.paths.runtimeEvents, "utf8")).toBe(line(1) + line(2) + line(3));
  });

  it("leaves a snapshot newer than the journal's (another writer's, after the crash) alone", () => {
    const ws = demoWorkspace();
    const newer = snapshotText("2026-05-02T00:00:00+00:00", { by: "control" });
    writeFileSync(ws.paths.snapshot, newer);
    writeFileSync(ws.paths.recoveryCounters, '{"entries":["kept"]}\n');
    journalRecord(ws, 0, {
      snapshot: snapshotText("2026-05-01T00:00:00+00:00"),
      counters: '{"entries":[]}\n',
    });
    const recovery = recoverCommitJournal(ws.paths);
    expect(recovery).toMatchObject({ snapshot: false, counters: false });
    expect(readFileSync(ws.paths.snapshot, "utf8")).toBe(newer);
    expect(readFileSync(ws.paths.recoveryCounters, "utf8")).toBe('{"entries":["kept"]}\n');
  });

  it("ignores a torn last record (its step never committed) and ends a torn log line first", () => {
    const ws = demoWorkspace();
    writeFileSync(ws.paths.snapshot, snapshotText("2026-05-01T00:00:00+00:00"));
    mkdirSync(path.dirname(ws.paths.runtimeEvents), { recursive: true });
    writeFileSync(ws.paths.runtimeEvents, '{"torn":');
    journalRecord(ws, 0, { snapshot: snapshotText("2026-05-01T00:00:01+00:00"), events: line(1) });
    writeFileSync(journalFiles(ws.paths)[1] as string, '{"seq":1,"snapshot":"{\\"upd');
    const recovery = recoverCommitJournal(ws.paths);
    expect(recovery).toMatchObject({ records: 1, nextSeq: 1, events: 1 });
    expect(readFileSync(ws.paths.runtimeEvents, "utf8")).toBe(`{"torn":\n${line(1)}`);
  });

  it("a rebuilt file whose folder is gone gets its folder back; a whole file is never rewritten", () => {
    const ws = demoWorkspace();
    writeFileSync(ws.paths.snapshot, snapshotText("2026-05-01T00:00:00+00:00"));
    const kept = path.join(ws.paths.runtimeRoot, "runs", "run-2", "run_trace.json");
    mkdirSync(path.dirname(kept), { recursive: true });
    writeFileSync(kept, '{"same":"content, other bytes"}\n');
    const gone = path.join(ws.paths.runtimeRoot, "runs", "run-3", "stage_results", "r.json");
    rmSync(path.dirname(gone), { recursive: true, force: true });
    journalRecord(ws, 0, {
      snapshot: snapshotText("2026-05-01T00:00:00+00:00"),
      files: [
        { path: path.relative(ws.root, kept), text: '{"same": "content, other bytes"}\n' },
        { path: path.relative(ws.root, gone), text: "{}\n" },
      ],
    });
    const recovery = recoverCommitJournal(ws.paths);
    expect(recovery.files).toEqual([path.relative(ws.root, gone)]);
    expect(readFileSync(kept, "utf8")).toBe('{"same":"content, other bytes"}\n');
    expect(existsSync(gone)).toBe(true);
  });

  it("removes the temp files a kill left beside the files the journal wrote (a run that already ended)", () => {
    const ws = demoWorkspace();
    writeFileSync(ws.paths.snapshot, snapshotText("2026-05-01T00:00:00+00:00"));
    const runFolder = path.join(ws.paths.runtimeRoot, "runs", "run-4");
    mkdirSync(runFolder, { recursive: true });
    const trace = path.join(runFolder, "run_trace.json");
    // A dead writer's temp (no process has pid 0x7ffffffe), a live writer's (the parent process's),
    // and a file that only looks alike: only the first goes.
    const dead = path.join(runFolder, ".run_trace.json.tmp-7ffffffe0000000100000001");
    const live = path.join(
      runFolder,
      `.notes.md.tmp-${process.ppid.toString(16).padStart(8, "0")}0000000100000001`,
    );
    const other = path.join(runFolder, "run_trace.json.tmp");
    for (const file of [dead, live, other]) writeFileSync(file, '{"half');
    journalRecord(ws, 0, {
      snapshot: snapshotText("2026-05-01T00:00:00+00:00"),
      files: [{ path: path.relative(ws.root, trace), text: '{"trace":true}\n' }],
    });
    const recovery = recoverCommitJournal(ws.paths);
    expect(recovery.tempsRemoved).toEqual([path.relative(ws.root, dead)]);
    expect(readFileSync(trace, "utf8")).toBe('{"trace":true}\n');
    expect([dead, live, other].map((file) => existsSync(file))).toEqual([false, true, true]);
  });

  it("a live journal appends one record per commit and a close leaves both generations empty", () => {
    const ws = demoWorkspace();
    const journal = CommitJournal.open(ws.paths, 7);
    const file = path.join(ws.paths.runtimeRoot, "runs", "run-4", "stage_results", "x.json");
    mkdirSync(path.dirname(file), { recursive: true });
    journal.commit(
      {
        snapshotText: snapshotText("2026-05-01T00:00:00+00:00"),
        eventsText: line(1),
        files: [{ path: file, text: "{}\n", written: false }],
      },
      true,
    );
    journal.commit(
      { snapshotText: snapshotText("2026-05-01T00:00:01+00:00"), eventsText: "", files: [] },
      false,
    );
    expect(readJournal(ws.paths).map((record) => record.seq)).toEqual([7, 8]);
    expect(readFileSync(file, "utf8")).toBe("{}\n");
    // The second step is not durable: its snapshot waits for the next durable commit (here, close).
    expect(readFileSync(ws.paths.snapshot, "utf8")).toContain("00:00:00");
    journal.close();
    expect(readFileSync(ws.paths.snapshot, "utf8")).toContain("00:00:01");
    expect(readJournal(ws.paths)).toEqual([]);
    for (const generation of journalFiles(ws.paths)) expect(readFileSync(generation, "utf8")).toBe("");
  });
});
