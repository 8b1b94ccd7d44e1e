import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { workspacePaths } from "@millrace/workspace";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { listNewestRuns, listRuns } from "../../src/read-models/index.js";
import {
  NEWEST_RUNS_RECORD_FILE,
  namesDigest,
  noteRunFolder,
  RECORD_LISTED,
  readNewestRunsRecord,
  writeNewestRunsRecord,
} from "../../src/read-models/newest-runs-record.js";
import {
  makeWorkspace,
  newRunId,
  type StageResultTemplate,
  SYNTHETIC_BASE,
  stageResultTemplate,
  writeSyntheticRun,
} from "./fixtures.js";

/** Counts the `stat`s of the code under test (its `node:fs` import is this wrapper). */
const counter = vi.hoisted(() => ({ stats: 0 }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const statSync = ((...args: Parameters<typeof fs.statSync>) => {
    counter.stats += 1;
    return fs.statSync(...args);
  }) as typeof fs.statSync;
  return { ...fs, default: { ...fs, statSync }, statSync };
});

let template: StageResultTemplate;

beforeAll(async () => {
  template = await stageResultTemplate();
});

function writeRun(root: string, minute: number, item = "task-1"): string {
  return writeSyntheticRun(root, template, minute, item);
}

const ids = (listing: { runs: { run_id: string }[] }) => listing.runs.map((run) => run.run_id);
const recordFile = (root: string) => path.join(workspacePaths(root).state, NEWEST_RUNS_RECORD_FILE);

/** The newest `limit` by the full listing, the answer every record must leave unchanged. */
function expectTruth(root: string, limits = [1, 3, 8]): void {
  const full = ids(listRuns(root));
  for (const limit of limits) expect(ids(listNewestRuns(root, { limit }))).toEqual(full.slice(-limit));
}

/** Twelve runs, `minutes` apart from the first, and the record a first `runs ls` wrote. */
function workspaceWithRecord(count = 12): { root: string; runs: string[] } {
  const root = makeWorkspace();
  const runs = Array.from({ length: count }, (_, i) => writeRun(root, i * 10));
  expect(existsSync(recordFile(root))).toBe(false);
  expectTruth(root);
  expect(readNewestRunsRecord(workspacePaths(root))).toBeDefined();
  return { root, runs };
}

/**
 * A record sealed as ours that lies about the folders it does not list: the newest run is left out
 * and the horizon is put below every folder. Trusted, it would hide the newest run.
 */
function writeSealedLie(root: string, file: string, newest: string): void {
  const paths = workspacePaths(root);
  const names = readdirSync(paths.runs);
  const listed = names.filter((name) => name !== newest);
  writeNewestRunsRecord(paths, { ...namesDigest(names), horizonMs: 0, listed });
  const body = readFileSync(recordFile(root), "utf8");
  rmSync(recordFile(root));
  writeFileSync(file, body);
}

describe("the newest-runs record", () => {
  it("is written by a full scan, then used: only its listed folders are stat'ed, same answer", () => {
    const root = makeWorkspace();
    for (const minute of [7, 2, 11, 0, 5, 9, 1, 12, 3, 10, 4, 8, 6]) writeRun(root, minute * 3);
    for (let minute = 100; minute < 100 + RECORD_LISTED + 150; minute += 1) writeRun(root, minute);
    mkdirSync(path.join(workspacePaths(root).runs, newRunId()));
    const folders = readdirSync(workspacePaths(root).runs).length;
    counter.stats = 0;
    const first = listNewestRuns(root, { limit: 20 });
    expect(counter.stats).toBeGreaterThanOrEqual(folders);
    const record = readNewestRunsRecord(workspacePaths(root));
    expect(record?.listed).toHaveLength(RECORD_LISTED + 1);
    expect(record?.horizonMs).toBeTypeOf("number");
    counter.stats = 0;
    const second = listNewestRuns(root, { limit: 20 });
    expect(counter.stats).toBeLessThanOrEqual(2 * (RECORD_LISTED + 1) + 4);
    expect(second).toEqual(first);
    expect(ids(second)).toEqual(ids(listRuns(root)).slice(-20));
    expect(second.runs.at(-1)?.status).toBe("incomplete");
  });

  it("gives the same answer with and without the record, for every limit and filter", () => {
    const root = makeWorkspace();
    for (let i = 0; i < RECORD_LISTED + 30; i += 1) writeRun(root, (i * 37) % 400, `task-${i % 3}`);
    mkdirSync(path.join(workspacePaths(root).runs, newRunId()));
    const full = listRuns(root);
    const filters = [undefined, (run: { work_item_id: string | null }) => run.work_item_id === "task-2"];
    for (const keep of filters) {
      for (const limit of [1, 7, 40, RECORD_LISTED + 5]) {
        rmSync(recordFile(root), { force: true });
        const without = listNewestRuns(root, keep ? { limit, keep } : { limit });
        expect(existsSync(recordFile(root))).toBe(true);
        const withRecord = listNewestRuns(root, keep ? { limit, keep } : { limit });
        expect(withRecord).toEqual(without);
        expect(ids(without)).toEqual(
          ids({ runs: full.runs.filter((run) => !keep || keep(run)) }).slice(-limit),
        );
      }
    }
  });

  it("falls back to every folder when the walk needs more than the record lists", () => {
    const root = makeWorkspace();
    for (let minute = 0; minute < RECORD_LISTED + 40; minute += 1)
      writeRun(root, minute, minute === 3 ? "task-old" : "task-1");
    expectTruth(root, [5]);
    const old = (run: { work_item_id: string | null }) => run.work_item_id === "task-old";
    expect(listNewestRuns(root, { limit: 1, keep: old }).runs.map((run) => run.work_item_id)).toEqual([
      "task-old",
    ]);
    expect(ids(listNewestRuns(root, { limit: RECORD_LISTED + 10 }))).toEqual(
      ids(listRuns(root)).slice(-(RECORD_LISTED + 10)),
    );
  });

  it("is rewritten when missing, truncated or unparseable, and the answer stays right", () => {
    const { root } = workspaceWithRecord();
    const file = recordFile(root);
    const good = readFileSync(file, "utf8");
    for (const bad of [null, good.slice(0, good.length / 2), "", "[]", "{}", "null", '"x"']) {
      if (bad === null) rmSync(file);
      else writeFileSync(file, bad);
      expectTruth(root);
      expect(readFileSync(file, "utf8")).toBe(good);
    }
  });

  it("ignores a hand-edited record: its seal no longer matches", () => {
    const { root, runs } = workspaceWithRecord();
    const file = recordFile(root);
    const raw = JSON.parse(readFileSync(file, "utf8"));
    const newest = runs.at(-1) as string;
    // The lie: the newest run is left out, an old one named, every other folder said to be older.
    writeFileSync(
      file,
      JSON.stringify({
        ...raw,
        listed: [runs[0], ...raw.listed.filter((n: string) => n !== newest)],
        horizon_ms: 0,
      }),
    );
    expect(ids(listNewestRuns(root, { limit: 1 }))).toEqual([newest]);
    expectTruth(root);
  });

  it("refuses an oversized or symlinked record without reading it", () => {
    const { root, runs } = workspaceWithRecord();
    const newest = runs.at(-1) as string;
    const elsewhere = path.join(os.tmpdir(), `lie-${newRunId()}.json`);
    writeSealedLie(root, elsewhere, newest);
    symlinkSync(elsewhere, recordFile(root));
    expect(ids(listNewestRuns(root, { limit: 1 }))).toEqual([newest]);
    rmSync(recordFile(root), { force: true });
    writeFileSync(recordFile(root), `${readFileSync(elsewhere, "utf8")}${" ".repeat(200 * 1024)}`);
    expect(ids(listNewestRuns(root, { limit: 1 }))).toEqual([newest]);
    expectTruth(root);
  });

  it("is void once the names in runs/ change: an older build's run or a copied folder shows in place", async () => {
    const { root, runs } = workspaceWithRecord();
    // An older build adds a run without touching the record.
    const late = writeRun(root, 500);
    expect(ids(listNewestRuns(root, { limit: 2 }))).toEqual([runs.at(-1), late]);
    // A folder copied by hand with its times kept (`cp -p`) from another workspace, started in between.
    const other = makeWorkspace();
    const copied = writeRun(other, 115);
    cpSync(path.join(workspacePaths(other).runs, copied), path.join(workspacePaths(root).runs, copied), {
      recursive: true,
      preserveTimestamps: true,
    });
    const listed = ids(listNewestRuns(root, { limit: 3 }));
    expect(listed).toEqual([runs.at(-1), copied, late]);
    // A folder removed by hand.
    rmSync(path.join(workspacePaths(root).runs, late), { recursive: true });
    expect(ids(listNewestRuns(root, { limit: 2 }))).toEqual([runs.at(-1), copied]);
    expectTruth(root);
  });

  it("cannot hide a run it leaves out while its horizon is true (a sealed record naming the wrong runs)", () => {
    const { root, runs } = workspaceWithRecord();
    const paths = workspacePaths(root);
    const names = readdirSync(paths.runs);
    const newest = runs.at(-1) as string;
    const horizon = statSync(path.join(paths.runs, newest, "stage_results")).mtimeMs;
    writeNewestRunsRecord(paths, {
      ...namesDigest(names),
      horizonMs: horizon,
      listed: [runs[0] as string, runs[1] as string],
    });
    expect(ids(listNewestRuns(root, { limit: 1 }))).toEqual([newest]);
    expectTruth(root);
  });

  it("stays bounded as the engine notes new folders; folders without results stay listed", () => {
    const { root } = workspaceWithRecord(3);
    const paths = workspacePaths(root);
    const pending = path.join(paths.runs, newRunId());
    mkdirSync(pending);
    noteRunFolder(paths, pending, true);
    let expectedHorizon = 0;
    for (let i = 0; i < RECORD_LISTED + 20; i += 1) {
      const runId = writeRun(root, 200 + i);
      expectedHorizon = Math.max(
        expectedHorizon,
        (SYNTHETIC_BASE + (200 + i) * 60_000 + 40_000) * (i < 21 ? 1 : 0),
      );
      noteRunFolder(paths, path.join(paths.runs, runId), true);
    }
    const record = readNewestRunsRecord(paths);
    expect(record?.listed).toHaveLength(RECORD_LISTED);
    expect(record?.listed).toContain(path.basename(pending));
    expect(record?.names).toBe(RECORD_LISTED + 24);
    expect(record?.horizonMs).toBe(expectedHorizon);
    expect(statSync(recordFile(root)).size).toBeLessThan(20 * 1024);
    // Still consistent with the names on disk, so the next listing uses it.
    counter.stats = 0;
    const newest = listNewestRuns(root, { limit: 20 });
    expect(counter.stats).toBeLessThan(2 * RECORD_LISTED + 4);
    expect(ids(newest)).toEqual(ids(listRuns(root)).slice(-20));
  });

  it("writes no record when more folders lack stage results than it may list", () => {
    const root = makeWorkspace();
    writeRun(root, 1);
    for (let i = 0; i < 1_030; i += 1) mkdirSync(path.join(workspacePaths(root).runs, newRunId()));
    expect(listNewestRuns(root, { limit: 2 }).runs).toHaveLength(2);
    expect(existsSync(recordFile(root))).toBe(false);
  });
});
