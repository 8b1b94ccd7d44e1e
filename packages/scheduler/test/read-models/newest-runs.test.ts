import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { RunListingSchema } from "@millrace/contracts";
import { workspacePaths } from "@millrace/workspace";
import { beforeAll, describe, expect, it } from "vitest";
import { listNewestRuns, listRuns } from "../../src/read-models/index.js";
import {
  makeWorkspace,
  newRunId,
  type StageResultTemplate,
  stageResultTemplate,
  writeSyntheticRun,
} from "./fixtures.js";

let template: StageResultTemplate;

beforeAll(async () => {
  template = await stageResultTemplate();
});

function writeRun(root: string, minute: number, item: string, boundOffsetMs = 40_000): string {
  return writeSyntheticRun(root, template, minute, item, boundOffsetMs);
}

const ids = (listing: { runs: { run_id: string }[] }) => listing.runs.map((run) => run.run_id);

describe("listNewestRuns", () => {
  it("returns the last N of the full listing, filtered, in the listing's order", () => {
    const root = makeWorkspace();
    // Created out of order, so neither names nor creation order give the start order.
    for (const minute of [7, 2, 11, 0, 5, 9, 1, 12, 3, 10, 4, 8, 6]) {
      writeRun(root, minute, minute % 2 === 0 ? "task-even" : "task-odd");
    }
    mkdirSync(path.join(workspacePaths(root).runs, newRunId()));
    const full = listRuns(root);
    expect(full.runs.at(-1)?.status).toBe("incomplete");
    for (const limit of [1, 2, 5, 14, 50]) {
      const newest = listNewestRuns(root, { limit });
      expect(RunListingSchema.parse(newest)).toEqual(newest);
      expect(ids(newest)).toEqual(ids(full).slice(-limit));
    }
    const odd = (run: { work_item_id: string | null }) => run.work_item_id === "task-odd";
    expect(ids(listNewestRuns(root, { limit: 3, keep: odd }))).toEqual(
      ids(full)
        .filter((_, i) => odd(full.runs[i]!))
        .slice(-3),
    );
    expect(listNewestRuns(root, { limit: 3, keep: () => false }).runs).toEqual([]);
  });

  it("reads only the folders that can be among the newest", () => {
    const root = makeWorkspace();
    const runs = Array.from({ length: 12 }, (_, minute) => writeRun(root, minute * 10, "task-1"));
    // The oldest eight are broken in place (the folder's time stays): read, they would list as malformed.
    for (const runId of runs.slice(0, 8)) {
      writeFileSync(
        path.join(workspacePaths(root).runs, runId, "stage_results", template.name),
        "{ not json",
      );
    }
    expect(listRuns(root).runs.filter((run) => run.status === "malformed")).toHaveLength(8);
    const newest = listNewestRuns(root, { limit: 3 });
    expect(ids(newest)).toEqual(runs.slice(-3));
    expect(newest.runs.every((run) => run.status === "valid")).toBe(true);
  });

  it("reads every folder when a start lies after its folder's time (copied times, a clock ahead)", () => {
    const root = makeWorkspace();
    const runs = Array.from({ length: 6 }, (_, minute) => writeRun(root, minute * 10, "task-1"));
    writeFileSync(
      path.join(workspacePaths(root).runs, runs[0] as string, "stage_results", template.name),
      "{",
    );
    // The newest run's folder is dated 55 minutes before its start: the bound is broken, and seen
    // when that folder is read (its date is still among the newest).
    writeRun(root, 100, "task-1", -55 * 60_000);
    const full = listRuns(root);
    expect(ids(listNewestRuns(root, { limit: 2 }))).toEqual(ids(full).slice(-2));
    expect(full.runs.at(-1)?.status).toBe("malformed");
  });

  it("refuses a limit that is not a whole number >= 1 and lists nothing in an empty workspace", () => {
    const root = makeWorkspace();
    expect(listNewestRuns(root, { limit: 4 }).runs).toEqual([]);
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      expect(() => listNewestRuns(root, { limit })).toThrow(/limit must be a whole number >= 1/);
    }
    expect(() => listNewestRuns(path.join(root, "nope"), { limit: 1 })).toThrow(/not an initialized/);
  });
});
