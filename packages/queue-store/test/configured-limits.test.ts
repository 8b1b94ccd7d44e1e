import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { type WorkspacePaths, workspaceReadLimits } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { dropIdea, openQueueStore, readBodyFile, readImportPath, renderWorkDocument } from "../src/index.js";
import { task, tempWorkspace } from "./helpers.js";

function errorOf(action: () => unknown): MillraceError {
  try {
    action();
  } catch (error) {
    if (MillraceError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a MillraceError");
}

function withLimits(limits: string): WorkspacePaths {
  const paths = tempWorkspace();
  writeFileSync(paths.configFile, `[limits]\n${limits}\n`);
  return paths;
}

/** A rendered task document of exactly `bytes` bytes (its body is padded). */
function documentOfSize(id: string, bytes: number): string {
  const base = renderWorkDocument(task(id, { body: "x" } as never));
  const text = renderWorkDocument(
    task(id, { body: "x".repeat(1 + bytes - Buffer.byteLength(base)) } as never),
  );
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

function textOfSize(bytes: number): string {
  return `${"a".repeat(bytes - 1)}\n`;
}

describe("[limits] caps, read from the workspace's millrace.toml", () => {
  it("max_document_bytes: a queue document one byte over is quarantined with the reason; one at the cap is claimed", () => {
    const paths = withLimits("max_document_bytes = 8192");
    const dir = paths.queues.task.queue;
    writeFileSync(path.join(dir, "task-at.md"), documentOfSize("task-at", 8192));
    writeFileSync(path.join(dir, "task-over.md"), documentOfSize("task-over", 8193));
    const store = openQueueStore(paths, { indexFile: false });
    expect(store.claimNext("execution")?.id).toBe("task-at");
    expect(readdirSync(dir).sort()).toEqual(["invalid-artifacts.jsonl", "task-over.md.invalid"]);
    expect(readFileSync(path.join(dir, "invalid-artifacts.jsonl"), "utf8")).toContain(
      "is 8193 bytes; the limit is 8192 bytes (8 KiB)",
    );
    // Enqueue and import honour the same cap.
    const over = errorOf(() => store.enqueue("task", task("task-big", { body: "y".repeat(9000) } as never)));
    expect(over.code).toBe("work_document_too_large");
    expect(over.hint).toContain("max_document_bytes");
    const file = path.join(paths.root, "import.md");
    writeFileSync(file, documentOfSize("task-imp", 8193));
    expect(() => readImportPath(file, "task", file, 8192)).toThrow(/the limit is 8192 bytes/);
    writeFileSync(file, documentOfSize("task-imp", 8192));
    expect(readImportPath(file, "task", file, 8192).kind).toBe("task");
  });

  it("max_document_bytes raised: a 1.5 MiB document the default refuses is accepted", () => {
    const paths = withLimits(`max_document_bytes = ${2 * 1024 * 1024}`);
    const dir = paths.queues.task.queue;
    writeFileSync(path.join(dir, "task-large.md"), documentOfSize("task-large", 1536 * 1024));
    expect(openQueueStore(paths, { indexFile: false }).claimNext("execution")?.id).toBe("task-large");
    const defaults = tempWorkspace();
    writeFileSync(
      path.join(defaults.queues.task.queue, "task-large.md"),
      documentOfSize("task-large", 1536 * 1024),
    );
    expect(openQueueStore(defaults, { indexFile: false }).claimNext("execution")).toBeUndefined();
  });

  it("the cap is read once, at the first document read (not at open), and then kept", () => {
    const paths = withLimits("max_document_bytes = 8192");
    const dir = paths.queues.task.queue;
    const store = openQueueStore(paths, { indexFile: false });
    // Raised after the open but before any document was read: the raised cap is the one in force.
    writeFileSync(paths.configFile, "[limits]\nmax_document_bytes = 16384\n");
    writeFileSync(path.join(dir, "task-mid.md"), documentOfSize("task-mid", 12_000));
    expect(store.list().map((item) => [item.id, item.error])).toEqual([["task-mid", null]]);
    // Lowered later: the cap read at the first document read stays (a broken config never throws here).
    writeFileSync(paths.configFile, "[limits]\nmax_document_bytes = 4096\n");
    writeFileSync(path.join(dir, "task-two.md"), documentOfSize("task-two", 12_000));
    expect(store.list().find((item) => item.id === "task-two")?.error).toBeNull();
    writeFileSync(paths.configFile, "not toml [");
    expect(openQueueStore(paths, { indexFile: false }).list()).toHaveLength(2);
  });

  it("a saved index does not keep a refusal made under another cap", () => {
    const paths = withLimits("max_document_bytes = 8192");
    const dir = paths.queues.task.queue;
    writeFileSync(path.join(dir, "task-mid.md"), documentOfSize("task-mid", 10_000));
    const first = openQueueStore(paths);
    const view = first.cache.sync(first.folder("task", "queue"));
    expect(view.get("task-mid.md")?.error).toContain("the limit is 8192 bytes");
    first.close();
    expect(readFileSync(path.join(paths.state, "queue_index.json"), "utf8")).toContain("task-mid.md");
    writeFileSync(paths.configFile, "[limits]\nmax_document_bytes = 16384\n");
    const second = openQueueStore(paths);
    expect(second.claimNext("execution")?.id).toBe("task-mid");
    second.close();
  });

  it("max_body_file_bytes: a body file one byte over is refused naming the key; one at the cap is read", () => {
    const paths = withLimits("max_body_file_bytes = 4096");
    const cap = workspaceReadLimits(paths).max_body_file_bytes;
    expect(cap).toBe(4096);
    const file = path.join(paths.root, "body.md");
    writeFileSync(file, textOfSize(4097));
    const refused = errorOf(() => readBodyFile(file, cap));
    expect(refused.message).toBe(`${file}: is 4097 bytes; the limit is 4096 bytes (4 KiB)`);
    expect(refused.hint).toContain("max_body_file_bytes");
    writeFileSync(file, textOfSize(4096));
    expect(readBodyFile(file, cap)).toHaveLength(4096);
  });

  it("max_idea_bytes: add-idea refuses an idea one byte over; one at the cap lands in the inbox", () => {
    const paths = withLimits("max_idea_bytes = 4096");
    const over = path.join(paths.root, "over.md");
    writeFileSync(over, textOfSize(4097));
    const refused = errorOf(() => dropIdea(paths, over));
    expect(refused.message).toContain("is 4097 bytes; the limit is 4096 bytes");
    expect(refused.hint).toContain("max_idea_bytes");
    const at = path.join(paths.root, "at.md");
    writeFileSync(at, textOfSize(4096));
    dropIdea(paths, at);
    expect(readdirSync(paths.ideasInbox)).toEqual(["at.md"]);
  });
});
