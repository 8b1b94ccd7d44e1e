import {
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { QueueIndexSchema } from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import {
  columnsOf,
  entryAt,
  MAX_QUEUE_INDEX_BYTES,
  nameAt,
  readQueueIndex,
} from "../src/cache/index-file.js";
import { QueueCache } from "../src/cache/queue-cache.js";
import { openQueueStore } from "../src/index.js";
import { allQueueFolders } from "../src/layout.js";
import { cachedEntry, incident, spec, task, tempWorkspace } from "./helpers.js";

const base = {
  dir_mtime_ns: "5",
  listed_at_ms: 1,
  size: [10, 11],
  mtime_ms: [1, 2.5],
  ino: [2, 3],
  id: ["task-1", "task-2"],
  title: ["one", "two"],
  timestamp: ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"],
};

/** Each folder with whether both the schema and the reader must accept it. */
const cases: Array<[string, Record<string, unknown>, boolean]> = [
  ["the required columns only", base, true],
  [
    "every optional column",
    {
      ...base,
      depends_on: [["task-0"], null],
      root_spec_id: ["spec-1", null],
      root_idea_id: [null, "idea-1"],
      spec_id: ["spec-1", null],
      is_root_spec: [false, true],
      error: [null, "broken"],
    },
    true,
  ],
  ["no rows", { ...base, size: [], mtime_ms: [], ino: [], id: [], title: [], timestamp: [] }, true],
  ["names of its own", { ...base, names: ["one.md", "two.md"] }, true],
  [
    "a broken entry named by its file",
    { ...base, id: ["task-1", "my notes"], error: [null, "does not parse"] },
    true,
  ],
  ["a short required column", { ...base, size: [10] }, false],
  ["a long optional column", { ...base, error: [null, null, null] }, false],
  ["a short names column", { ...base, names: ["one.md"] }, false],
  ["a missing required column", { ...base, title: undefined }, false],
  ["no ids", { ...base, id: undefined }, false],
  ["an id that is not a safe id", { ...base, id: ["task 1", "task-2"] }, false],
  ["an id that climbs out", { ...base, id: ["../../outside", "task-2"] }, false],
  ["an id with a line break", { ...base, id: ["task-1\ntask-3", "task-2"] }, false],
  [
    "a broken entry whose file name climbs out",
    { ...base, id: ["task-1", "../x"], error: [null, "e"] },
    false,
  ],
  ["a broken entry with a hidden name", { ...base, id: ["task-1", ".x"], error: [null, "e"] }, false],
  ["a hidden name", { ...base, names: [".task-1.md", "task-2.md"] }, false],
  ["a name that is not markdown", { ...base, names: ["task-1.txt", "task-2.md"] }, false],
  ["a name with a slash", { ...base, names: ["../task-1.md", "task-2.md"] }, false],
  ["a name with a NUL", { ...base, names: ["task\u0000-1.md", "task-2.md"] }, false],
  ["a bare .md", { ...base, names: [".md", "task-2.md"] }, false],
  ["a negative size", { ...base, size: [-1, 11] }, false],
  ["a fractional size", { ...base, size: [1.5, 11] }, false],
  ["a size as text", { ...base, size: ["10", 11] }, false],
  ["a title that is a number", { ...base, title: [5, "two"] }, false],
  ["dependencies that are not text", { ...base, depends_on: [[1], null] }, false],
  ["dependencies that are not a list", { ...base, depends_on: ["task-0", null] }, false],
  ["a root-spec flag as text", { ...base, is_root_spec: ["yes", false] }, false],
  ["an error that is a number", { ...base, error: [3, null] }, false],
  ["a bad directory mtime", { ...base, dir_mtime_ns: "5ns" }, false],
  ["the first format's entries", { dir_mtime_ns: "5", listed_at_ms: 1, entries: {} }, false],
];

describe("readQueueIndex's column check", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "index-columns-"));
  const file = path.join(dir, "queue_index.json");
  it.each(cases)("%s", (_name, folder, accepted) => {
    const index = { schema_version: "2.0", kind: "queue_index", folders: { "task/queue": folder } };
    writeFileSync(file, JSON.stringify(index));
    expect(QueueIndexSchema.safeParse(index).success).toBe(accepted);
    expect(readQueueIndex(file) !== undefined).toBe(accepted);
  });
});

const indexFile = (paths: WorkspacePaths) => path.join(paths.state, "queue_index.json");

/** Moves every queue folder's mtime a minute back, so a listing taken now is trusted when saved. */
function ageFolders(paths: WorkspacePaths): void {
  const then = new Date(Date.now() - 60_000);
  for (const folder of allQueueFolders(paths)) if (existsSync(folder.dir)) utimesSync(folder.dir, then, then);
}

/** A workspace whose saved index holds a trusted listing of varied documents, one of them broken. */
function savedWorkspace(): WorkspacePaths {
  const paths = tempWorkspace();
  const store = openQueueStore(paths);
  store.enqueue("spec", spec("spec-1"));
  store.enqueue("task", task("task-a", { spec_id: "spec-1", created_at: "2026-04-28T10:00:05.25Z" }));
  store.enqueue("task", task("task-b", { depends_on: ["task-a"], created_at: "2026-04-28T10:00:05.250Z" }));
  store.enqueue("task", task("task-c", { created_at: "2026-04-28T09:00:00Z" }));
  store.enqueue("incident", incident("inc-1"));
  store.flush();
  writeFileSync(path.join(paths.queues.task.blocked, "task-bad.md"), "not a work document\n");
  ageFolders(paths);
  const lister = openQueueStore(paths);
  lister.listing();
  lister.flush();
  return paths;
}

describe("the saved columns", () => {
  it("list, count and reopen exactly as the folders themselves do", () => {
    const paths = savedWorkspace();
    const fromFiles = openQueueStore(paths, { indexFile: false });
    const seeded = openQueueStore(paths);
    expect(seeded.listing()).toEqual(fromFiles.listing());
    expect(seeded.listing({ kind: "task", state: "queue" }).items.map((item) => item.id)).toEqual([
      "task-c",
      "task-a",
      "task-b",
    ]);
    expect(seeded.counts()).toEqual(fromFiles.counts());
    expect(seeded.depths()).toEqual(fromFiles.depths());
  });

  it("list whole-second stamps in time order, ties by id, as the folders do", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths);
    store.enqueue("task", task("x-2", { created_at: "2026-04-28T10:00:01Z" }));
    store.enqueue("task", task("x-1", { created_at: "2026-04-28T10:00:01Z" }));
    store.enqueue("task", task("x-0", { created_at: "2026-04-28T09:59:59Z" }));
    store.flush();
    ageFolders(paths);
    const lister = openQueueStore(paths);
    lister.listing();
    lister.flush();
    const ids = openQueueStore(paths)
      .listing({ kind: "task" })
      .items.map((item) => item.id);
    expect(ids).toEqual(["x-0", "x-1", "x-2"]);
  });

  it("give back the entries the documents give, folder by folder", () => {
    const paths = savedWorkspace();
    const loaded = new QueueCache(paths);
    loaded.load(indexFile(paths));
    const fresh = new QueueCache(paths);
    for (const folder of allQueueFolders(paths)) {
      if (folder.key === "task/queue") expect(loaded.view(folder).synced).toBe(true);
      expect(new Map(loaded.sync(folder).all())).toEqual(new Map(fresh.sync(folder).all()));
    }
  });

  it("leave out a column whose every value is the default", () => {
    const paths = savedWorkspace();
    const saved = JSON.parse(readFileSync(indexFile(paths), "utf8"));
    expect(saved.schema_version).toBe("2.0");
    const queued = saved.folders["task/queue"];
    expect(queued.id).toEqual(["task-c", "task-a", "task-b"]); // saved in claim order
    expect(queued).not.toHaveProperty("names");
    expect(queued.depends_on).toEqual(expect.arrayContaining([["task-a"], null]));
    expect(queued.spec_id).toEqual(expect.arrayContaining(["spec-1", null]));
    expect(queued).not.toHaveProperty("error");
    expect(queued).not.toHaveProperty("is_root_spec");
    expect(saved.folders["incident/queue"]).not.toHaveProperty("depends_on");
  });

  it("take a change after loading: the new document is listed and saved", () => {
    const paths = savedWorkspace();
    const store = openQueueStore(paths);
    store.enqueue("task", task("task-d", { created_at: "2030-01-01T00:00:00Z" }));
    store.flush();
    const ids = openQueueStore(paths)
      .listing({ kind: "task", state: "queue" })
      .items.map((item) => item.id);
    expect(ids).toEqual(["task-c", "task-a", "task-b", "task-d"]);
    expect(readQueueIndex(indexFile(paths))?.folders["task/queue"]?.id).toContain("task-d");
  });

  it("replace an index of the first format, which is read as no index", () => {
    const paths = savedWorkspace();
    const expected = openQueueStore(paths, { indexFile: false }).listing();
    const entry = { ...base, entries: undefined };
    writeFileSync(
      indexFile(paths),
      JSON.stringify({ schema_version: "1.0", kind: "queue_index", folders: { "task/queue": entry } }),
    );
    expect(readQueueIndex(indexFile(paths))).toBeUndefined();
    const store = openQueueStore(paths);
    expect(store.listing()).toEqual(expected);
    store.flush();
    expect(readQueueIndex(indexFile(paths))?.schema_version).toBe("2.0");
  });

  it("are not read through a link, nor past their size cap", () => {
    const paths = savedWorkspace();
    const expected = openQueueStore(paths, { indexFile: false }).listing();
    const file = indexFile(paths);
    const elsewhere = path.join(mkdtempSync(path.join(tmpdir(), "index-elsewhere-")), "queue_index.json");
    renameSync(file, elsewhere);
    expect(readQueueIndex(elsewhere)).toBeDefined();
    symlinkSync(elsewhere, file);
    expect(readQueueIndex(file)).toBeUndefined();
    expect(openQueueStore(paths).listing()).toEqual(expected);

    // A valid index padded with spaces (still valid JSON) to one byte over the cap.
    const big = path.join(path.dirname(elsewhere), "big.json");
    const padded = Buffer.alloc(MAX_QUEUE_INDEX_BYTES + 1, " ");
    readFileSync(elsewhere).copy(padded);
    writeFileSync(big, padded);
    expect(readQueueIndex(big)).toBeUndefined();
    truncateSync(big, MAX_QUEUE_INDEX_BYTES);
    expect(readQueueIndex(big)).toBeDefined();
  });

  it("planted with a name outside the folder, are discarded whole", () => {
    const paths = savedWorkspace();
    const expected = openQueueStore(paths, { indexFile: false }).listing();
    const saved = JSON.parse(readFileSync(indexFile(paths), "utf8"));
    saved.folders["task/queue"].id[0] = "../../../outside";
    writeFileSync(indexFile(paths), JSON.stringify(saved));
    expect(openQueueStore(paths).listing()).toEqual(expected);
  });
});

describe("columnsOf", () => {
  const entry = (id: string) => cachedEntry(id);

  it("keeps a names column only when a file is not named after its id, and round-trips", () => {
    const named = new Map([
      ["task-1.md", entry("task-1")],
      ["task-2.md", entry("task-2")],
    ]);
    expect(columnsOf(named)).not.toHaveProperty("names");
    const renamed = new Map([...named, ["other.md", entry("task-3")]]);
    const columns = columnsOf(renamed);
    expect(columns.names).toEqual(["task-1.md", "task-2.md", "other.md"]);
    const back = new Map(columns.id.map((_, i) => [nameAt(columns, i), entryAt(columns, i)]));
    expect(back).toEqual(renamed);
  });
});
