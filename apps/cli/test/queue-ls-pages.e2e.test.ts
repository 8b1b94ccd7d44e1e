import path from "node:path";
import { type QueueListing, QueueListingSchema } from "@millrace/contracts";
import { buildTaskFromTitle, openQueueStore } from "@millrace/queue-store";
import { workspacePaths } from "@millrace/workspace";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";
import { hashTree } from "./wshash.js";

/** A task created `minute` minutes into 2026-04-28, so the claim order is the id order. */
function task(id: string, minute: number) {
  return buildTaskFromTitle({ id, title: `Task ${id}`, now: new Date(Date.UTC(2026, 3, 28, 0, minute)) });
}

const ids = (listing: QueueListing) => listing.items.map((item) => item.id);
const taskId = (i: number) => `task-${String(i).padStart(3, "0")}`;

/** 250 queued tasks, oldest first by id, and one active. */
let root: string;
beforeAll(() => {
  root = path.join(tempDir("millrace-queue-pages-"), "ws");
  expect(runCli(["init", root]).status).toBe(0);
  const store = openQueueStore(workspacePaths(root));
  for (let i = 0; i < 251; i += 1) store.enqueue("task", task(taskId(i), i));
  expect(store.claimNext("execution")?.id).toBe(taskId(0));
  store.flush();
});

function listing(...args: string[]): QueueListing {
  const run = runCli(["queue", "ls", "--json", "-w", root, ...args]);
  expect(run.status, run.stderr).toBe(0);
  return QueueListingSchema.parse(run.json());
}

describe("queue ls pages", () => {
  it("lists at most 100 items of each kind and state by default, with the counts of all", () => {
    const page = listing();
    expect(page.items).toHaveLength(101);
    expect(ids(page).slice(0, 3)).toEqual([taskId(1), taskId(2), taskId(3)]);
    expect(ids(page).slice(-2)).toEqual([taskId(100), taskId(0)]);
    expect(page).toMatchObject({ total: 251, limit: 100, offset: 0, next_offset: 100 });
    expect(page.counts.task).toEqual({ queue: 250, active: 1, done: 0, blocked: 0 });
    expect(page.depths.execution).toBe(250);
  });

  it("says under the text listing how many were shown and how to see the rest", () => {
    const run = runCli(["queue", "ls", "-w", root]);
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(102);
    expect(lines[0]).toMatch(/^task {2}queue {3}task-001 {2}Task task-001$/);
    expect(lines.at(-1)).toBe(
      "shown: 101 of 251 items, at most 100 of each kind and state (--all lists every item, --offset 100 the next page)",
    );
    const last = runCli(["queue", "ls", "-w", root, "--state", "queue", "--offset", "200"]);
    expect(last.stdout.trimEnd().split("\n").at(-1)).toBe(
      "shown: 50 of 250 items, at most 100 of each kind and state, skipping the first 200 of each (--all lists every item)",
    );
    // Every item shown: no line under the listing.
    const all = runCli(["queue", "ls", "-w", root, "--all"]);
    expect(all.stdout.trimEnd().split("\n")).toHaveLength(251);
    expect(all.stdout).not.toMatch(/^shown:/m);
    // --summary prints the counts only, as before.
    expect(runCli(["queue", "ls", "--summary", "-w", root]).stdout).not.toMatch(/shown:|task-/);
  });

  it("pages through one folder to exactly what --all lists", () => {
    const every = listing("--all", "--kind", "task", "--state", "queue");
    expect(every).toMatchObject({ total: 250, limit: null, offset: 0, next_offset: null });
    const paged: string[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page = listing("--kind", "task", "--state", "queue", "--limit", "90", "--offset", String(offset));
      paged.push(...ids(page));
      offset = page.next_offset;
    }
    expect(paged).toEqual(ids(every));
    expect(new Set(paged).size).toBe(250);
  });

  it("takes the same options on the fast path and through yargs", () => {
    for (const args of [
      ["--limit", "3", "--offset", "5", "--json"],
      ["--all", "--json"],
      ["--limit", "2"],
    ]) {
      const quick = runCli(["queue", "ls", "-w", root, ...args]);
      const full = runCli(["queue", "ls", "-w", root, ...args, "--actor", "operator"]);
      expect(quick.status, quick.stderr).toBe(0);
      expect(quick.stdout).toBe(full.stdout);
    }
  });

  it("refuses a bad page with one line and a hint, exit 2, and changes nothing", () => {
    const before = hashTree(root);
    for (const [args, message] of [
      [["--limit", "0"], "error: --limit must be a whole number >= 1, got 0"],
      [["--limit", "1.5"], "error: --limit must be a whole number >= 1, got 1.5"],
      [["--limit", "many"], "error: --limit must be a whole number >= 1, got NaN"],
      [["--offset", "-1"], "error: --offset must be a whole number >= 0, got -1"],
      [["--all", "--limit", "5"], "error: --all and --limit contradict each other"],
    ] as const) {
      for (const route of [[], ["--actor", "operator"]]) {
        const run = runCli(["queue", "ls", "-w", root, ...args, ...route]);
        expect(run.status, args.join(" ")).toBe(2);
        expect(run.stdout).toBe("");
        const [first, hint, ...rest] = run.stderr.split("\n");
        expect(first).toBe(message);
        expect(hint).toMatch(/^hint: /);
        expect(rest.join("")).toBe("");
      }
    }
    const show = runCli(["queue", "show", taskId(3), "--limit", "2", "-w", root]);
    expect(show.status).toBe(2);
    expect(show.stderr).toMatch(/^error: --limit, --offset and --all apply to `queue ls` only\nhint: /);
    expect(hashTree(root)).toEqual(before);
  });
});
