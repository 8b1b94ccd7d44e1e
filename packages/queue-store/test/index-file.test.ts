import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { QueueIndexSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { readQueueIndex } from "../src/cache/index-file.js";

const entry = {
  id: "task-1",
  timestamp: "2026-01-01T00:00:00Z",
  title: "t",
  size: 10,
  mtime_ms: 1,
  ino: 2,
  depends_on: [],
  error: null,
  root_spec_id: null,
};
const folders = { "task/queue": { dir_mtime_ns: "5", listed_at_ms: 1, entries: { "task-1.md": entry } } };

describe("readQueueIndex's header check", () => {
  it("accepts exactly the headers QueueIndexSchema accepts", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "index-file-"));
    const file = path.join(dir, "queue_index.json");
    const headers: unknown[] = [
      { schema_version: "1.0", kind: "queue_index" },
      { schema_version: "1.0", kind: "queue_index", extra: 1 },
      { schema_version: "2.0", kind: "queue_index" },
      { schema_version: 1, kind: "queue_index" },
      { schema_version: "1.0", kind: "queue" },
      { kind: "queue_index" },
      { schema_version: "1.0" },
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
