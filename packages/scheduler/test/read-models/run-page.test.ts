import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { RunListingSchema } from "@millrace/contracts";
import { workspacePaths } from "@millrace/workspace";
import { beforeAll, describe, expect, it } from "vitest";
import { countRunFolders, listRunPage, listRuns } from "../../src/read-models/index.js";
import {
  makeWorkspace,
  newRunId,
  type StageResultTemplate,
  stageResultTemplate,
  treeFingerprint,
  writeSyntheticRun,
} from "./fixtures.js";

let template: StageResultTemplate;
beforeAll(async () => {
  template = await stageResultTemplate();
});

const ids = (listing: { runs: { run_id: string }[] }) => listing.runs.map((run) => run.run_id);

describe("listRunPage", () => {
  it("pages from the newest run to the oldest, with the total and the next offset, writing nothing", () => {
    const root = makeWorkspace();
    for (const minute of [4, 0, 6, 2, 5, 1, 3]) writeSyntheticRun(root, template, minute);
    mkdirSync(path.join(workspacePaths(root).runs, newRunId()));
    const full = ids(listRuns(root));
    const before = treeFingerprint(root);

    const first = listRunPage(root, { limit: 3 });
    expect(RunListingSchema.parse(first)).toEqual(first);
    expect(ids(first)).toEqual(full.slice(-3));
    expect(first).toMatchObject({ total: 8, limit: 3, offset: 0, next_offset: 3 });
    const pages = [ids(first)];
    let offset = first.next_offset;
    while (offset) {
      const page = listRunPage(root, { limit: 3, offset });
      expect(page.total).toBe(8);
      pages.push(ids(page));
      offset = page.next_offset ?? null;
    }
    expect(pages.reverse().flat()).toEqual(full);
    expect(pages[0]).toHaveLength(2);
    // No newest-runs record either: a dashboard poll leaves the workspace as it found it.
    expect(treeFingerprint(root)).toBe(before);
  });

  it("lists every run without a limit, and nothing past the end", () => {
    const root = makeWorkspace();
    for (const minute of [0, 1, 2]) writeSyntheticRun(root, template, minute);
    expect(listRunPage(root)).toMatchObject({ total: 3, limit: null, offset: 0, next_offset: null });
    expect(ids(listRunPage(root, { offset: 1 }))).toEqual(ids(listRuns(root)).slice(0, 2));
    expect(listRunPage(root, { limit: 5, offset: 3 })).toMatchObject({
      runs: [],
      total: 3,
      next_offset: null,
    });
    expect(listRunPage(makeWorkspace(), { limit: 5 })).toMatchObject({
      runs: [],
      total: 0,
      next_offset: null,
    });
    expect(() => listRunPage(root, { offset: -1 })).toThrow(RangeError);
  });

  it("pages the runs a filter keeps, with no total, a next offset while pages are full, and saves the record only when asked", () => {
    const root = makeWorkspace();
    for (const minute of [4, 0, 6, 2, 5, 1, 3]) writeSyntheticRun(root, template, minute);
    const full = ids(listRuns(root));
    const chosen = new Set(full.filter((_, index) => index % 2 === 0));
    const keep = (run: { run_id: string }) => chosen.has(run.run_id);
    const before = treeFingerprint(root);
    const first = listRunPage(root, { limit: 2, keep });
    expect(first.total).toBeUndefined();
    expect(first).toMatchObject({ limit: 2, offset: 0, next_offset: 2 });
    const second = listRunPage(root, { limit: 2, offset: 2, keep });
    expect(second.next_offset).toBe(4);
    const last = listRunPage(root, { limit: 2, offset: 4, keep });
    expect(last).toMatchObject({ runs: [], next_offset: null });
    expect([...ids(second), ...ids(first)]).toEqual([...chosen]);
    // Without a limit, the filter's own count is the total.
    expect(listRunPage(root, { keep })).toMatchObject({ total: chosen.size, next_offset: null });
    expect(treeFingerprint(root)).toBe(before);
    listRunPage(root, { limit: 2, saveRecord: true });
    expect(existsSync(path.join(workspacePaths(root).state, "newest_runs.json"))).toBe(true);
  });

  it("counts what listRuns lists: safe-named folders and links to folders, not files", () => {
    const root = makeWorkspace();
    const runs = workspacePaths(root).runs;
    writeSyntheticRun(root, template, 0);
    mkdirSync(path.join(runs, ".hidden"));
    writeFileSync(path.join(runs, "run-file"), "");
    const elsewhere = path.join(makeWorkspace(), "elsewhere");
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, path.join(runs, "run-linked"));
    expect(countRunFolders(root)).toBe(listRuns(root).runs.length);
    expect(countRunFolders(root)).toBe(2);
  });
});
