import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sequentialIds } from "../src/ids.js";
import { listNewestRuns, listRuns } from "../src/read-models/index.js";
import { namesDigest, readNewestRunsRecord } from "../src/read-models/newest-runs-record.js";
import { demoWorkspace, enqueueTask, runUntilIdle } from "./fixtures.js";

const ids = (listing: { runs: { run_id: string }[] }) => listing.runs.map((run) => run.run_id);

describe("engine: the newest-runs record", () => {
  it("keeps a valid record valid as it starts new runs, so runs ls still uses it", async () => {
    const ws = demoWorkspace();
    enqueueTask(ws, "task-a");
    await runUntilIdle(ws);
    // No record until a full `runs ls` writes one; the engine does not scan on its handoff path.
    expect(readNewestRunsRecord(ws.paths)).toBeUndefined();
    expect(listNewestRuns(ws.root, { limit: 5 }).runs).toHaveLength(1);
    expect(readNewestRunsRecord(ws.paths)?.listed).toHaveLength(1);
    enqueueTask(ws, "task-b");
    enqueueTask(ws, "task-c");
    let tick = 0;
    await runUntilIdle(ws, {
      ids: sequentialIds(1_000),
      clock: () => new Date(Date.UTC(2026, 3, 28, 11, 0, tick++)),
    });
    const record = readNewestRunsRecord(ws.paths);
    const names = readdirSync(ws.paths.runs);
    expect(record && { names: record.names, namesDigest: record.namesDigest }).toEqual(namesDigest(names));
    expect(record?.listed).toHaveLength(names.length);
    const full = listRuns(ws.root);
    expect(full.runs.map((run) => run.work_item_id)).toEqual(["task-a", "task-b", "task-c"]);
    expect(ids(listNewestRuns(ws.root, { limit: 2 }))).toEqual(ids(full).slice(-2));
  });
});
