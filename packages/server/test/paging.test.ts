import { mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import {
  CliErrorOutputSchema,
  type QueueListing,
  QueueListingSchema,
  type RunListing,
  RunListingSchema,
} from "@millrace/contracts";
import { buildTaskFromTitle, openQueueStore } from "@millrace/queue-store";
import { workspacePaths } from "@millrace/workspace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testApp, workspaceWithRun } from "./fixtures.js";

const TASKS = 130;
const RUNS = 70;
const taskId = (i: number) => `task-${String(i).padStart(3, "0")}`;

/** 130 queued tasks (claim order is id order) and 70 run folders besides the fixture's one. */
function seeded(): string {
  const { root } = workspaceWithRun();
  const store = openQueueStore(workspacePaths(root));
  for (let i = 0; i < TASKS; i += 1) {
    // A minute apart, so claim order is id order.
    const now = new Date(Date.UTC(2026, 3, 28, 0, i));
    store.enqueue("task", buildTaskFromTitle({ id: taskId(i), title: `Task ${i}`, now }));
  }
  store.close();
  for (let i = 0; i < RUNS; i += 1) {
    mkdirSync(
      path.join(root, "millrace-agents", "runs", `run-${String(i).padStart(4, "0")}`, "stage_results"),
      {
        recursive: true,
      },
    );
  }
  return root;
}

/** Every path under `dir` with its size and modification time: a read that writes changes it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .sort()
    .map((name) => {
      const stat = statSync(path.join(dir, name));
      return `${name} ${stat.isDirectory() ? "/" : stat.size} ${stat.mtimeMs}`;
    });
}

let root = "";
let app: ReturnType<typeof testApp>;
beforeAll(() => {
  root = seeded();
  app = testApp([root]);
});
afterAll(() => app.dashboard.close());

async function queue(query: string): Promise<QueueListing> {
  const response = await app.get(`/api/w/repo/queue${query}`);
  expect(response.status, query).toBe(200);
  return QueueListingSchema.parse(await response.json());
}

async function runs(query: string): Promise<RunListing> {
  const response = await app.get(`/api/w/repo/runs${query}`);
  expect(response.status, query).toBe(200);
  return RunListingSchema.parse(await response.json());
}

const ids = (listing: { items: { id: string }[] }) => listing.items.map((item) => item.id);
const runIds = (listing: RunListing) => listing.runs.map((run) => run.run_id);

describe("GET /queue pages like `queue ls`", () => {
  it("answers the first 100 of each folder by default, then the rest at next_offset", async () => {
    const before = tree(root);
    const first = await queue("");
    expect(first).toMatchObject({ total: TASKS, limit: 100, offset: 0, next_offset: 100 });
    expect(ids(first)).toEqual(Array.from({ length: 100 }, (_, i) => taskId(i)));
    expect(first.counts.task.queue).toBe(TASKS);
    const second = await queue("?offset=100");
    expect(second).toMatchObject({ total: TASKS, limit: 100, offset: 100, next_offset: null });
    expect(ids(second)).toEqual(Array.from({ length: 30 }, (_, i) => taskId(100 + i)));
    expect(tree(root)).toEqual(before);
  });

  it("takes limit, and all=1 (or true) for every item", async () => {
    expect(await queue("?limit=7&offset=7&kind=task")).toMatchObject({
      limit: 7,
      offset: 7,
      next_offset: 14,
    });
    for (const all of ["1", "true"]) {
      const every = await queue(`?all=${all}`);
      expect(every).toMatchObject({ total: TASKS, limit: null, next_offset: null });
      expect(every.items).toHaveLength(TASKS);
    }
    expect((await queue("?offset=500")).items).toEqual([]);
  });
});

describe("GET /runs pages from the newest run", () => {
  it("answers the newest 50 by default, then the older ones at next_offset, writing nothing", async () => {
    const before = tree(root);
    const every = await runs("?all=1");
    expect(every).toMatchObject({ total: RUNS + 1, limit: null, next_offset: null });
    const first = await runs("");
    expect(first).toMatchObject({ total: RUNS + 1, limit: 50, offset: 0, next_offset: 50 });
    expect(runIds(first)).toEqual(runIds(every).slice(-50));
    const second = await runs(`?offset=${first.next_offset}`);
    expect(second).toMatchObject({ offset: 50, next_offset: null });
    expect([...runIds(second), ...runIds(first)]).toEqual(runIds(every));
    expect(runIds(await runs("?limit=3&offset=1"))).toEqual(runIds(every).slice(-4, -1));
    expect(tree(root)).toEqual(before);
  });
});

describe("bad paging values", () => {
  it("are refused with 400, a one-line message and a hint, before anything is read or written", async () => {
    const before = tree(root);
    for (const route of ["queue", "runs"]) {
      for (const query of [
        "limit=0",
        "limit=-5",
        "limit=2.5",
        "limit=ten",
        "limit=1e3",
        "offset=-1",
        "offset=x",
        "all=maybe",
        "all=1&limit=5",
        "all=true&limit=1",
      ]) {
        const response = await app.get(`/api/w/repo/${route}?${query}`);
        expect(response.status, `${route}?${query}`).toBe(400);
        const { error } = CliErrorOutputSchema.parse(await response.json());
        expect(error.code).toBe("usage_invalid_argument");
        expect(error.message).not.toContain("\n");
        expect(error.hint).toMatch(/limit=|offset=|all=/);
      }
    }
    const contradiction = CliErrorOutputSchema.parse(
      await (await app.get("/api/w/repo/queue?all=1&limit=5")).json(),
    ).error;
    expect(contradiction.message).toBe("all and limit contradict each other");
    expect(tree(root)).toEqual(before);
  });
});
