// The done folders' view (ArchiveView) keeps the index's columns instead of an entry object per
// document. It must answer exactly as the open folders' view (FolderView) does, and what it saves
// must be what a fresh listing of the folder gives.
import { execFileSync } from "node:child_process";
import { readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ArchiveView } from "../src/cache/archive-view.js";
import type { CachedEntry } from "../src/cache/entries.js";
import { FolderView } from "../src/cache/folder-view.js";
import { columnsOf } from "../src/cache/index-file.js";
import { QueueCache } from "../src/cache/queue-cache.js";
import { openQueueStore, renderWorkDocument } from "../src/index.js";
import { queueFolder } from "../src/layout.js";
import { cachedEntry, task, tempWorkspace } from "./helpers.js";

const folderOf = () => queueFolder(tempWorkspace(), "task", "done");

function entry(id: string, extra: Partial<CachedEntry> = {}): CachedEntry {
  return cachedEntry(id, {
    size: 100 + id.length,
    mtime_ms: 1_700_000_000_123.25,
    ino: 4_000_000_000 + id.length,
    title: `Title of ${id}`,
    timestamp: "2026-04-28T10:00:00Z",
    ...extra,
  });
}

/** What a view holds, as comparable plain data. */
function contents(view: FolderView | ArchiveView) {
  const all = [...view.all()].map(([name, item]) => [name, item] as const);
  all.sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    size: view.size,
    all,
    names: [...view.names()].sort(),
    errors: view.errors().sort(([a], [b]) => (a < b ? -1 : 1)),
    ordered: [...view.ordered()],
    columns: new Map(all),
  };
}

type Op =
  | { op: "set"; id: string; extra: Partial<CachedEntry> }
  | { op: "delete"; id: string }
  | { op: "prune"; keep: string[] }
  | { op: "reseed" };

const ids = fc.constantFrom("task-a", "task-b", "task-c", "task-d", "task-e", "odd name");
const extras = fc.record(
  {
    depends_on: fc.array(fc.constantFrom("task-x", "task-y"), { maxLength: 2 }),
    root_spec_id: fc.option(fc.constantFrom("spec-1", "spec-2"), { nil: null }),
    root_idea_id: fc.option(fc.constant("idea-1"), { nil: null }),
    spec_id: fc.option(fc.constant("spec-1"), { nil: null }),
    is_root_spec: fc.boolean(),
    error: fc.option(fc.constant("does not parse"), { nil: null }),
    timestamp: fc.constantFrom("2026-04-28T10:00:00Z", "2026-04-27T09:00:00.5Z", "2026-04-29T00:00:00Z"),
  },
  { requiredKeys: [] },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("set" as const), id: ids, extra: extras }),
  fc.record({ op: fc.constant("delete" as const), id: ids }),
  fc.record({ op: fc.constant("prune" as const), keep: fc.array(ids, { maxLength: 4 }) }),
  fc.record({ op: fc.constant("reseed" as const) }),
);

describe("the done folders' view", () => {
  it("answers every question as the open folders' view does, after any run of changes", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const folder = folderOf();
        const archive = new ArchiveView(folder);
        const open = new FolderView(folder);
        for (const step of ops) {
          if (step.op === "set") {
            // A file that did not parse is an entry named by its file, as loadDocumentFile makes it.
            const item = entry(step.id, step.extra);
            archive.set(`${step.id}.md`, item);
            open.set(`${step.id}.md`, item);
          } else if (step.op === "delete") {
            archive.delete(`${step.id}.md`);
            open.delete(`${step.id}.md`);
          } else if (step.op === "prune") {
            const keep = new Set(step.keep.map((id) => `${id}.md`));
            expect(archive.prune(keep)).toBe(open.prune(keep));
          } else {
            // What a later process seeds from the saved index, as the index's JSON carries it.
            archive.seed(JSON.parse(JSON.stringify(archive.columns())));
          }
          expect(contents(archive)).toEqual(contents(open));
          for (const id of ["task-a", "task-e", "odd name", "task-z"]) {
            expect(archive.has(`${id}.md`)).toBe(open.has(`${id}.md`));
            expect(archive.get(`${id}.md`)).toEqual(open.get(`${id}.md`));
          }
        }
        // The columns it saves hold what the open view's would (row order aside).
        const saved = new FolderView(folder);
        saved.seed(JSON.parse(JSON.stringify(archive.columns())));
        expect(new Map(saved.all())).toEqual(new Map(open.all()));
        expect(columnsOf(new Map(open.all()))).toEqual(columnsOf(new Map(saved.all()), [...open.names()]));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a names column when a file is not named after its id, and drops nothing else", () => {
    const archive = new ArchiveView(folderOf());
    archive.set("task-a.md", entry("task-a"));
    archive.set("notes.md", entry("task-b"));
    expect(archive.columns().names).toEqual(["task-a.md", "notes.md"]);
    expect(archive.get("notes.md")?.id).toBe("task-b");
    expect(archive.has("task-b.md")).toBe(false);
    archive.delete("task-a.md");
    expect([...archive.names()]).toEqual(["notes.md"]);
  });

  it("leaves a key of the index file that is not a column alone when rows go", () => {
    const archive = new ArchiveView(folderOf());
    const seeded = new ArchiveView(folderOf());
    for (const id of ["task-a", "task-b", "task-c"]) seeded.set(`${id}.md`, entry(id));
    archive.seed({ ...JSON.parse(JSON.stringify(seeded.columns())), note: "from a later build" });
    archive.delete("task-b.md");
    expect(archive.prune(new Set(["task-c.md"]))).toBe(1);
    expect([...archive.names()]).toEqual(["task-c.md"]);
    expect(archive.get("task-c.md")).toEqual(entry("task-c"));
    expect((archive.columns() as unknown as Record<string, unknown>).note).toBe("from a later build");
  });

  it("is what a store keeps for done folders, through claims, completions and a save", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths);
    for (let i = 0; i < 30; i += 1) store.enqueue("task", task(`task-${String(i).padStart(2, "0")}`));
    store.enqueue("task", task("task-last", { depends_on: ["task-00", "task-01"] }));
    const done = store.folder("task", "done");
    expect(store.cache.view(done)).toBeInstanceOf(ArchiveView);
    let claimed = store.claimNext("execution");
    while (claimed) {
      store.complete(claimed.kind, claimed.id);
      claimed = store.claimNext("execution");
    }
    store.close();
    // The dependent ran once both of its dependencies were done, and so last.
    const listing = openQueueStore(paths).listing({ state: "done" });
    expect(listing.items.map((item) => item.id).sort()).toEqual([
      ...Array.from({ length: 30 }, (_, i) => `task-${String(i).padStart(2, "0")}`),
      "task-last",
    ]);
    // The saved index says what a fresh listing of the folders says.
    const fromIndex = new QueueCache(paths);
    fromIndex.load(path.join(paths.state, "queue_index.json"));
    const fresh = new QueueCache(paths);
    expect(new Map(fromIndex.sync(done).all())).toEqual(new Map(fresh.sync(done).all()));
    const item = listing.items.find((each) => each.id === "task-last");
    expect(item?.depends_on).toEqual(["task-00", "task-01"]);
    expect(item?.title).toBe("Task task-last");
  });

  it("follows files another process adds to or takes from a done folder", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths);
    store.enqueue("task", task("task-dep"));
    store.enqueue("task", task("task-waits", { depends_on: ["task-dep"] }));
    store.close();
    const first = openQueueStore(paths);
    // Another process finishes the dependency behind this store's back.
    const queued = first.folder("task", "queue");
    const done = first.folder("task", "done");
    expect(first.claimNext("execution")?.id).toBe("task-dep");
    first.requeue("task", "task-dep", "again");
    renameSync(path.join(queued.dir, "task-dep.md"), path.join(done.dir, "task-dep.md"));
    expect(first.cache.sync(done, { force: true }).has("task-dep.md")).toBe(true);
    expect(first.claimNext("execution")?.id).toBe("task-waits");
    // A done file removed by hand leaves the view; one written by hand joins it, parsed.
    rmSync(path.join(done.dir, "task-dep.md"));
    writeFileSync(path.join(done.dir, "task-new.md"), renderWorkDocument(task("task-new")));
    const view = first.cache.sync(done, { force: true });
    expect([...view.names()]).toEqual(["task-new.md"]);
    expect(view.get("task-new.md")?.title).toBe("Task task-new");
    first.close();
    expect(readdirSync(done.dir).sort()).toEqual(["task-new.md"]);
  });

  it("holds a done task in less heap than an entry object took", { timeout: 120_000 }, () => {
    // Measured in a child process with a collector it can call: the heap a store holds with 8,500
    // done tasks, less the heap it holds with 500, per task, seeded from the index and parsed from
    // the files. Entry objects took 430-470 bytes in this probe; the columns, 250-300.
    const probe = fileURLToPath(new URL("./done-heap-probe.mjs", import.meta.url));
    const perTask = Number(
      execFileSync(process.execPath, ["--expose-gc", probe], { encoding: "utf8" }).trim(),
    );
    expect(perTask).toBeGreaterThan(100);
    expect(perTask).toBeLessThan(360);
  });
});
