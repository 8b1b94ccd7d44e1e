import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { QueueIndexSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { readQueueIndex } from "../src/cache/index-file.js";
import { QueueCache } from "../src/cache/queue-cache.js";
import { openQueueStore } from "../src/index.js";
import { allQueueFolders } from "../src/layout.js";
import { task, tempWorkspace } from "./helpers.js";

const folder = {
  dir_mtime_ns: "5",
  listed_at_ms: 1,
  names: ["task-1.md"],
  size: [10],
  mtime_ms: [1],
  ino: [2],
  id: ["task-1"],
  title: ["t"],
  timestamp: ["2026-01-01T00:00:00Z"],
};
const folders = { "task/queue": folder };

describe("readQueueIndex's header check", () => {
  it("accepts exactly the headers QueueIndexSchema accepts", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "index-file-"));
    const file = path.join(dir, "queue_index.json");
    const headers: unknown[] = [
      { schema_version: "2.0", kind: "queue_index" },
      { schema_version: "2.0", kind: "queue_index", extra: 1 },
      { schema_version: "1.0", kind: "queue_index" },
      { schema_version: 2, kind: "queue_index" },
      { schema_version: "2.0", kind: "queue" },
      { kind: "queue_index" },
      { schema_version: "2.0" },
    ];
    for (const header of headers) {
      const index = { ...(header as object), folders };
      writeFileSync(file, JSON.stringify(index));
      expect(readQueueIndex(file) !== undefined).toBe(QueueIndexSchema.safeParse(index).success);
    }
    for (const text of ["null", "[]", '"queue_index"', "42", "{"]) {
      writeFileSync(file, text);
      expect(readQueueIndex(file)).toBeUndefined();
    }
  });
});

describe("a saved listing that becomes trustworthy", () => {
  /** A workspace with two queued tasks whose index was saved at once (inside the racy window). */
  function freshlySaved() {
    const paths = tempWorkspace();
    const store = openQueueStore(paths);
    store.enqueue("task", task("task-1"));
    store.enqueue("task", task("task-2"));
    store.flush();
    const indexFile = path.join(paths.state, "queue_index.json");
    const folder = allQueueFolders(paths).find((f) => f.key === "task/queue");
    if (!folder) throw new Error("no task/queue folder");
    return { paths, indexFile, folder };
  }
  const later = (ms: number) => () => Date.now() + ms;

  it("is saved again by a reader that re-listed it, so the next reader need not list it", () => {
    const { paths, indexFile, folder } = freshlySaved();
    const reader = new QueueCache(paths, later(5_000));
    reader.load(indexFile);
    // Saved within a second of the folder's last change: not trusted, so the reader lists it.
    expect(reader.view(folder).synced).toBe(false);
    reader.sync(folder);
    expect([...reader.view(folder).names()].sort()).toEqual(["task-1.md", "task-2.md"]);
    expect(reader.dirty).toBe(true);
    reader.save(indexFile);

    const next = new QueueCache(paths, later(6_000));
    next.load(indexFile);
    expect(next.view(folder).synced).toBe(true);
    expect(next.view(folder).size).toBe(2);
    // Listing it again changes nothing worth saving.
    next.sync(folder, { force: true });
    expect(next.dirty).toBe(false);
  });

  it("is not saved again when the re-listing is itself inside the racy window", () => {
    const { paths, indexFile, folder } = freshlySaved();
    const reader = new QueueCache(paths);
    reader.load(indexFile);
    reader.sync(folder);
    expect(reader.view(folder).synced).toBe(true);
    expect(reader.dirty).toBe(false);
    expect(readQueueIndex(indexFile)?.folders["task/queue"]?.listed_at_ms).toBeLessThan(Date.now() + 1);
  });

  it("still re-lists a trusted folder whose directory changed after the save", () => {
    const { paths, indexFile, folder } = freshlySaved();
    const reader = new QueueCache(paths, later(5_000));
    reader.load(indexFile);
    reader.sync(folder);
    reader.save(indexFile);
    renameSync(path.join(folder.dir, "task-1.md"), path.join(paths.queues.task.done, "task-1.md"));
    const next = new QueueCache(paths, later(6_000));
    next.load(indexFile);
    expect([...next.sync(folder).names()]).toEqual(["task-2.md"]);
  });
});
