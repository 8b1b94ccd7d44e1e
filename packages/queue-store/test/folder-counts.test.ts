import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { WorkspacePaths } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { countQueueDocuments, openQueueStore } from "../src/index.js";
import { spec, task, tempWorkspace } from "./helpers.js";

const indexFile = (paths: WorkspacePaths) => path.join(paths.state, "queue_index.json");

/** What a freshly opened store (reading the saved index, as a new process does) counts. */
function storeCounts(paths: WorkspacePaths) {
  const store = openQueueStore(paths);
  return { depths: store.depths(), active: store.activeCounts() };
}

/** A workspace with queued and active work on two planes and a saved index. */
function seeded(): WorkspacePaths {
  const paths = tempWorkspace();
  const store = openQueueStore(paths);
  for (let i = 0; i < 5; i += 1) store.enqueue("task", task(`t-${i}`));
  store.enqueue("spec", spec("s-1"));
  store.enqueue("spec", spec("s-2"));
  store.claimNext("execution");
  store.claimNext("planning");
  store.flush();
  return paths;
}

describe("countQueueDocuments: plane counts from the folder listings", () => {
  it("agrees with the store on a plain queue, with and without the saved index", () => {
    const paths = seeded();
    const expected = {
      depths: { execution: 4, planning: 1, learning: 0 },
      active: { execution: 1, planning: 1, learning: 0 },
    };
    expect(countQueueDocuments(paths)).toEqual(expected);
    expect(storeCounts(paths)).toEqual(expected);
    rmSync(indexFile(paths));
    expect(countQueueDocuments(paths)).toEqual(expected);
    expect(storeCounts(paths)).toEqual(expected);
  });

  it("a hand-edited workspace: stray files, links, folders and oversized files named *.md count as the store counts them", () => {
    const paths = seeded();
    const queue = paths.queues.task.queue;
    writeFileSync(path.join(queue, "notes.txt"), "not a document\n");
    writeFileSync(path.join(queue, ".t-9.md.tmp"), "temp litter\n");
    writeFileSync(path.join(queue, ".hidden.md"), "hidden\n");
    symlinkSync("/etc/hostname", path.join(queue, "t-link.md"));
    symlinkSync(path.join(queue, "missing-target.md"), path.join(queue, "t-dangling.md"));
    mkdirSync(path.join(queue, "t-folder.md"));
    writeFileSync(path.join(queue, "t-huge.md"), "x".repeat(2 * 1024 * 1024));
    writeFileSync(path.join(queue, "t-garbage.md"), "not front matter at all\n");
    writeFileSync(path.join(paths.queues.learning_request.active, "l-1.md"), "hand-made\n");
    const counts = countQueueDocuments(paths);
    expect(counts.depths).toEqual({ execution: 4 + 5, planning: 1, learning: 0 });
    expect(counts.active).toEqual({ execution: 1, planning: 1, learning: 1 });
    expect(storeCounts(paths)).toEqual(counts);
  });

  it("a stale, corrupt or missing index does not change the counts", () => {
    const paths = seeded();
    // Moved by hand after the index was saved: the index still names t-1 in the queue.
    renameSync(path.join(paths.queues.task.queue, "t-1.md"), path.join(paths.queues.task.done, "t-1.md"));
    rmSync(path.join(paths.queues.spec.active, "s-1.md"));
    const expected = {
      depths: { execution: 3, planning: 1, learning: 0 },
      active: { execution: 1, planning: 0, learning: 0 },
    };
    expect(countQueueDocuments(paths)).toEqual(expected);
    expect(storeCounts(paths)).toEqual(expected);
    writeFileSync(indexFile(paths), "{ torn");
    expect(countQueueDocuments(paths)).toEqual(expected);
    expect(storeCounts(paths)).toEqual(expected);
    rmSync(indexFile(paths));
    expect(countQueueDocuments(paths)).toEqual(expected);
  });

  it("a missing state folder counts zero, and so does a file or a link where a folder should be", () => {
    const paths = seeded();
    rmSync(paths.queues.spec.queue, { recursive: true });
    rmSync(paths.queues.task.active, { recursive: true });
    writeFileSync(paths.queues.task.active, "a file, not a folder\n");
    const counts = countQueueDocuments(paths);
    expect(counts).toEqual({
      depths: { execution: 4, planning: 0, learning: 0 },
      active: { execution: 0, planning: 1, learning: 0 },
    });
    expect(storeCounts(paths)).toEqual(counts);
    // A linked folder is listed through the link, as the store lists it.
    const elsewhere = path.join(paths.root, "elsewhere");
    mkdirSync(elsewhere);
    writeFileSync(path.join(elsewhere, "s-9.md"), "linked\n");
    symlinkSync(elsewhere, paths.queues.spec.queue);
    expect(countQueueDocuments(paths).depths.planning).toBe(1);
    expect(storeCounts(paths).depths.planning).toBe(1);
  });

  it("writes nothing: no index appears in a workspace that had none", () => {
    const paths = tempWorkspace();
    writeFileSync(path.join(paths.queues.task.queue, "t-1.md"), "hand-made\n");
    expect(countQueueDocuments(paths).depths.execution).toBe(1);
    expect(existsSync(indexFile(paths))).toBe(false);
  });
});
