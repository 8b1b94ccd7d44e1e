import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { openQueueStore, reconcileQueue, renderWorkDocument } from "../src/index.js";
import { incident, probe, snapshotTree, spec, task, tempWorkspace } from "./helpers.js";

function errorOf(fn: () => unknown): MillraceError {
  try {
    fn();
  } catch (error) {
    if (MillraceError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a MillraceError");
}

const clock = () => new Date("2026-05-01T12:00:00Z");

describe("enqueue", () => {
  it("renders into the claimable folder and finds it", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { clock });
    const doc = task("task-a");
    const ref = store.enqueue("task", doc);
    expect(ref.path).toBe(path.join(paths.queues.task.queue, "task-a.md"));
    expect(readFileSync(ref.path, "utf8")).toBe(renderWorkDocument(doc));
    expect(store.find("task-a")).toMatchObject({ kind: "task", state: "queue" });
    expect(store.depths()).toEqual({ execution: 1, planning: 0, learning: 0 });
  });

  it("refuses an id used by any kind in any state, changing nothing", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { clock, indexFile: false });
    store.enqueue("task", task("shared-1"));
    store.claimNext("execution");
    store.complete("task", "shared-1");
    const before = snapshotTree(paths.runtimeRoot);
    const dupTask = errorOf(() => store.enqueue("task", task("shared-1")));
    expect(dupTask.code).toBe("queue_id_exists");
    expect(dupTask.message).toBe("shared-1 already exists as a task in millrace-agents/tasks/done");
    expect(errorOf(() => store.enqueue("spec", spec("shared-1"))).code).toBe("queue_id_exists");
    expect(snapshotTree(paths.runtimeRoot)).toEqual(before);
  });

  it("refuses unsafe ids before touching a path", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    const before = snapshotTree(paths.runtimeRoot);
    for (const bad of ["a/b", "a\\b", "..", "x..y", "nul\0id"]) {
      const fromDoc = errorOf(() => store.enqueue("task", task(bad)));
      expect(fromDoc.code).toBe("work_document_invalid");
      expect(fromDoc.message).toContain("Task-ID: invalid id");
      const fromArg = errorOf(() => store.find(bad));
      expect(fromArg.code).toBe("invalid_id");
      expect(fromArg.exitStatus).toBe(2);
      expect(errorOf(() => store.complete("task", bad)).code).toBe("invalid_id");
    }
    expect(snapshotTree(paths.runtimeRoot)).toEqual(before);
  });

  it("refuses a document over 1 MiB and a kind mismatch", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    const big = task("task-big", { body: `Prose ${"x".repeat(1024 * 1024)}` });
    expect(errorOf(() => store.enqueue("task", big)).code).toBe("work_document_too_large");
    expect(errorOf(() => store.enqueue("spec", task("task-x"))).message).toBe(
      "the document is a task, not a spec",
    );
    expect(readdirSync(paths.queues.task.queue)).toEqual([]);
  });
});

describe("claimNext", () => {
  it("claims tasks oldest first, then by id, only when dependencies are done", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { clock, indexFile: false });
    store.enqueue("task", task("task-b", { created_at: "2026-01-01T00:00:00Z" }));
    store.enqueue("task", task("task-a", { created_at: "2026-01-01T00:00:00Z" }));
    store.enqueue(
      "task",
      task("task-early", { created_at: "2025-12-31T23:59:59.5Z", depends_on: ["task-b"] }),
    );
    expect(store.claimNext("execution")?.id).toBe("task-a");
    expect(store.claimNext("execution")).toBeUndefined(); // one active per plane
    store.complete("task", "task-a");
    expect(store.claimNext("execution")?.id).toBe("task-b");
    store.complete("task", "task-b");
    const claimed = store.claimNext("execution");
    expect(claimed?.id).toBe("task-early");
    expect(claimed?.document.kind).toBe("task");
    expect(claimed?.path).toBe(path.join(paths.queues.task.active, "task-early.md"));
  });

  it("claims incidents before specs and probes, and specs/probes by age then kind", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { clock, indexFile: false });
    store.enqueue("spec", spec("spec-old", { created_at: "2026-01-01T00:00:00Z" }));
    store.enqueue("probe", probe("probe-same", { created_at: "2026-01-01T00:00:00Z" }));
    store.enqueue("incident", incident("inc-new", { opened_at: "2026-06-01T00:00:00Z" }));
    const order: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const item = store.claimNext("planning");
      if (!item) break;
      order.push(item.id);
      store.complete(item.kind, item.id);
    }
    expect(order).toEqual(["inc-new", "probe-same", "spec-old"]);
    expect(readdirSync(paths.queues.incident.done)).toEqual(["inc-new.md"]);
  });

  it("filters by effective root spec and never claims probes under a filter", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { clock, indexFile: false });
    store.enqueue("probe", probe("probe-1", { created_at: "2020-01-01T00:00:00Z" }));
    store.enqueue("spec", spec("spec-other", { root_spec_id: "root-b" }));
    store.enqueue("spec", spec("spec-mine", { source_type: "derived_spec", root_spec_id: "root-a" }));
    store.enqueue("task", task("task-other", { spec_id: "root-b" }));
    store.enqueue("task", task("task-mine", { spec_id: "root-a" }));
    expect(store.claimNext("planning", { rootSpecId: "root-a" })?.id).toBe("spec-mine");
    expect(store.claimNext("execution", { rootSpecId: "root-a" })?.id).toBe("task-mine");
    expect(store.openLineageWork("root-a")).toEqual(["task-mine", "spec-mine"]);
    expect(store.openLineageWork("root-b")).toEqual(["task-other", "spec-other"]);
  });

  it("refuses to claim when a plane has several active items", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    writeFileSync(path.join(paths.queues.task.active, "t1.md"), renderWorkDocument(task("t1")));
    writeFileSync(path.join(paths.queues.task.active, "t2.md"), renderWorkDocument(task("t2")));
    const error = errorOf(() => store.claimNext("execution"));
    expect(error.code).toBe("queue_state_conflict");
    expect(error.exitStatus).toBe(3);
  });

  it("sees documents other writers drop into the folder", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    expect(store.claimNext("execution")).toBeUndefined();
    writeFileSync(path.join(paths.queues.task.queue, "task-ext.md"), renderWorkDocument(task("task-ext")));
    expect(store.claimNext("execution")?.id).toBe("task-ext");
  });

  it("quarantines malformed, mismatched, non-UTF-8 and oversized documents it meets", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { clock, indexFile: false });
    const dir = paths.queues.task.queue;
    writeFileSync(path.join(dir, "bad.md"), "# Broken\n\nTask-ID: bad\n");
    writeFileSync(path.join(dir, "latest-task.md"), renderWorkDocument(task("task-real")));
    writeFileSync(path.join(dir, "binary.md"), Buffer.from([0x23, 0x20, 0xc3, 0x28]));
    writeFileSync(path.join(dir, "huge.md"), Buffer.alloc(1024 * 1024 + 1, 0x41));
    store.enqueue("task", task("task-good"));
    expect(store.claimNext("execution")?.id).toBe("task-good");
    expect(readdirSync(dir).sort()).toEqual([
      "bad.md.invalid",
      "binary.md.invalid",
      "huge.md.invalid",
      "invalid-artifacts.jsonl",
      "latest-task.md.invalid",
    ]);
    const records = readFileSync(path.join(dir, "invalid-artifacts.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(Object.keys(records[0])).toEqual(["at", "error", "quarantine_name", "source_name"]);
    const byName = Object.fromEntries(records.map((r) => [r.source_name, r]));
    expect(byName["bad.md"].error).toMatch(
      /^millrace-agents\/tasks\/queue\/bad\.md: .*is required but missing$/,
    );
    expect(byName["latest-task.md"].error).toContain("does not match the file name");
    expect(byName["binary.md"].error).toContain("not valid UTF-8");
    expect(byName["huge.md"].error).toContain("limit is 1048576 bytes");
    expect(byName["huge.md"].at).toBe("2026-05-01T12:00:00+00:00");
  });
});

describe("transitions", () => {
  it("requeues with a reason log, and refuses without a reason", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { clock, indexFile: false });
    store.enqueue("task", task("task-r"));
    store.claimNext("execution");
    expect(errorOf(() => store.requeue("task", "task-r", "  ")).code).toBe("queue_reason_required");
    expect(existsSync(path.join(paths.queues.task.active, "task-r.md"))).toBe(true);
    store.requeue("task", "task-r", "runner crashed");
    expect(store.find("task-r")?.state).toBe("queue");
    expect(readFileSync(path.join(paths.queues.task.queue, "task-r.requeue.jsonl"), "utf8")).toBe(
      '{"at":"2026-05-01T12:00:00+00:00","kind":"task","reason":"runner crashed"}\n',
    );
    expect(store.show("task-r").requeues).toEqual([
      { at: "2026-05-01T12:00:00+00:00", kind: "task", reason: "runner crashed" },
    ]);
  });

  it("refuses to complete or block what is not active", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    store.enqueue("task", task("task-q"));
    const error = errorOf(() => store.complete("task", "task-q"));
    expect(error.message).toBe("task task-q is not active (found: task in millrace-agents/tasks/queue)");
    expect(errorOf(() => store.block("spec", "nothing")).message).toBe(
      "spec nothing is not active (not found)",
    );
  });

  it("blocks, and requeues every active item for clear-stale-state", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    store.enqueue("task", task("t-1"));
    store.enqueue("spec", spec("s-1"));
    store.claimNext("execution");
    store.claimNext("planning");
    expect(store.activeItems().map((ref) => ref.id)).toEqual(["t-1", "s-1"]);
    store.block("task", "t-1");
    expect(store.requeueAllActive("operator cleared stale state").map((ref) => ref.id)).toEqual(["s-1"]);
    expect(store.counts().task).toEqual({ queue: 0, active: 0, done: 0, blocked: 1 });
    expect(store.counts().spec.queue).toBe(1);
  });
});

describe("index and reconciliation", () => {
  it("persists the index and corrects it when another process moved files", () => {
    const paths = tempWorkspace();
    const first = openQueueStore(paths);
    first.enqueue("task", task("task-1"));
    first.enqueue("task", task("task-2"));
    first.flush();
    expect(existsSync(path.join(paths.state, "queue_index.json"))).toBe(true);
    renameSync(
      path.join(paths.queues.task.queue, "task-1.md"),
      path.join(paths.queues.task.done, "task-1.md"),
    );
    const second = openQueueStore(paths);
    expect(second.list().map((item) => [item.id, item.state])).toEqual([
      ["task-2", "queue"],
      ["task-1", "done"],
    ]);
    expect(second.list({ state: "done" })[0]?.title).toBe("Task task-1");
  });

  it("removes temp litter and resolves duplicates by the documented rule", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { clock });
    store.enqueue("task", task("task-dup"));
    writeFileSync(path.join(paths.queues.task.done, "task-dup.md"), renderWorkDocument(task("task-dup")));
    writeFileSync(path.join(paths.queues.task.queue, ".task-x.md.tmp-0123456789abcdef"), "partial");
    const report = reconcileQueue(paths, { clock });
    expect(report.temp_files_removed).toEqual([
      "millrace-agents/tasks/queue/.task-x.md.tmp-0123456789abcdef",
    ]);
    expect(report.duplicates).toEqual([
      {
        id: "task-dup",
        kept: "millrace-agents/tasks/done/task-dup.md",
        set_aside: ["millrace-agents/tasks/queue/task-dup.md.invalid"],
      },
    ]);
    expect(
      openQueueStore(paths)
        .findAll("task-dup")
        .map((ref) => ref.state),
    ).toEqual(["done"]);
  });
});

describe("stale-state detection", () => {
  it("names each disagreement between the snapshot and the active folders", async () => {
    const { detectStaleQueueState } = await import("../src/stale.js");
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    store.enqueue("task", task("t-act"));
    store.enqueue("spec", spec("s-q"));
    store.enqueue("learning_request", {
      kind: "learning_request",
      learning_request_id: "l-1",
      title: "Learn",
      requested_action: "improve",
      created_at: "2026-04-28T10:00:00Z",
      created_by: "runtime",
    });
    store.claimNext("execution");
    store.claimNext("learning");
    const signals = detectStaleQueueState(store, {
      execution: null,
      planning: { kind: "spec", id: "s-q" },
      learning: { kind: "learning_request", id: "l-other" },
    });
    expect(signals.map((signal) => [signal.plane, signal.reason])).toEqual([
      ["execution", "active_without_snapshot"],
      ["planning", "snapshot_points_to_queued_item"],
      ["learning", "snapshot_active_id_mismatch"],
    ]);
    expect(detectStaleQueueState(store, { planning: { kind: "spec", id: "gone" } })[1]?.reason).toBe(
      "snapshot_without_active_artifact",
    );
  });
});

describe("claim order at scale", () => {
  it("claims in (created_at, id) order across own and external additions and a reopen", () => {
    const paths = tempWorkspace();
    let store = openQueueStore(paths);
    const expected: Array<[string, string]> = [];
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let i = 0; i < 120; i += 1) {
      const created = new Date(Date.UTC(2026, 0, 1, 0, 0, rand() % 50)).toISOString().replace(".000Z", "Z");
      const id = `t-${String(rand() % 100000).padStart(5, "0")}-${i}`;
      expected.push([created, id]);
      const doc = task(id, { created_at: created });
      if (i % 3 === 0) writeFileSync(path.join(paths.queues.task.queue, `${id}.md`), renderWorkDocument(doc));
      else store.enqueue("task", doc);
    }
    expected.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
    const claimed: string[] = [];
    for (let i = 0; i < 120; i += 1) {
      if (i === 60) {
        store.flush();
        store = openQueueStore(paths);
      }
      const item = store.claimNext("execution");
      if (!item) break;
      claimed.push(item.id);
      store.complete(item.kind, item.id);
    }
    expect(claimed).toEqual(expected.map(([, id]) => id));
  });
});

describe("lineage drift", () => {
  it("finds same-idea work under another root and known aliases, sorted by path", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    store.enqueue("task", task("t-right", { root_spec_id: "idea-idea-x", root_idea_id: "idea-x" }));
    store.enqueue("task", task("t-drift", { root_spec_id: "spec-other", root_idea_id: "idea-x" }));
    store.enqueue("task", task("t-alias", { spec_id: "idea-x" }));
    store.enqueue("incident", incident("i-unrelated", { root_spec_id: "zzz" }));
    const findings = store.lineageDrift({ rootSpecId: "idea-idea-x", rootIdeaId: "idea-x" });
    expect(findings.map((f) => [f.work_item_id, f.diagnostic_reason, f.state])).toEqual([
      ["t-alias", "known_root_spec_alias", "queue"],
      ["t-drift", "same_root_idea_different_root_spec", "queue"],
    ]);
    expect(findings[1]).toMatchObject({
      path: "millrace-agents/tasks/queue/t-drift.md",
      expected_root_spec_id: "idea-idea-x",
      actual_root_spec_id: "spec-other",
    });
  });
});

describe("claim of a duplicate id written straight into a queue folder", () => {
  it("quarantines the queued copy instead of running finished work again", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    const doc = task("task-dup");
    store.enqueue("task", doc);
    store.claimNext("execution");
    store.complete("task", "task-dup");
    // A stage writes the same id into the queue again.
    writeFileSync(path.join(paths.queues.task.queue, "task-dup.md"), renderWorkDocument(doc));
    expect(store.claimNext("execution")).toBeUndefined();
    expect(existsSync(path.join(paths.queues.task.queue, "task-dup.md.invalid"))).toBe(true);
    const log = readFileSync(path.join(paths.queues.task.queue, "invalid-artifacts.jsonl"), "utf8");
    expect(log).toContain("duplicate id: task-dup already exists as millrace-agents/tasks/done/task-dup.md");
    expect(existsSync(path.join(paths.queues.task.done, "task-dup.md"))).toBe(true);
  });
});
