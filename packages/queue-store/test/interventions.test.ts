import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceError, type TaskDocument } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import {
  archiveBlockedTask,
  archiveInvalidIncident,
  cancelIncident,
  cancelWorkItem,
  openQueueStore,
  resolveIncident,
  retargetTaskDependency,
  supersedeTask,
} from "../src/index.js";
import { incident, snapshotTree, task, tempWorkspace } from "./helpers.js";

const now = new Date("2026-05-02T08:30:00Z");

function errorOf(fn: () => unknown): MillraceError {
  try {
    fn();
  } catch (error) {
    if (MillraceError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a MillraceError");
}

function records(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

describe("operator interventions", () => {
  it("cancel archives a queued item with an audit record naming actor and reason", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    store.enqueue("task", task("task-c"));
    const result = cancelWorkItem(store, "task-c", { reason: "not needed", actor: "alice", now });
    expect(result.destination_path).toMatch(
      /tasks\/queue\/cancelled\/task-c\.20260502T083000Z\.[0-9a-f]{8}\.queue\.md$/,
    );
    expect(existsSync(result.destination_path)).toBe(true);
    expect(store.find("task-c")).toBeUndefined();
    const [record] = records(path.join(paths.queues.task.queue, "cancelled", "interventions.jsonl"));
    expect(record).toMatchObject({
      action: "cancel",
      actor: "alice",
      reason: "not needed",
      applied_at: "2026-05-02T08:30:00+00:00",
      source_state: "queue",
      destination_state: "cancelled",
      work_item_kind: "task",
      source_path: "millrace-agents/tasks/queue/task-c.md",
    });
    const events = readFileSync(paths.runtimeEvents, "utf8");
    expect(events).toContain('"event_type":"work_item_cancelled"');
  });

  it("refuses without a reason, for active items, and changes nothing", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    store.enqueue("task", task("task-a"));
    store.claimNext("execution");
    const before = snapshotTree(paths.runtimeRoot);
    expect(errorOf(() => cancelWorkItem(store, "task-a", { reason: " " })).code).toBe(
      "queue_reason_required",
    );
    const active = errorOf(() => cancelWorkItem(store, "task-a", { reason: "x" }));
    expect(active.code).toBe("queue_state_conflict");
    expect(active.message).toBe("task-a is not in an allowed state (queued or blocked)");
    expect(errorOf(() => cancelWorkItem(store, "../x", { reason: "x" })).code).toBe("invalid_id");
    expect(snapshotTree(paths.runtimeRoot)).toEqual(before);
  });

  it("supersede with cascade retarget rewrites dependents", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    store.enqueue("task", task("old-1"));
    store.enqueue("task", task("new-1"));
    store.enqueue("task", task("dep-1", { depends_on: ["old-1"] }));
    const result = supersedeTask(store, "old-1", "new-1", { reason: "rewritten", cascade: "retarget", now });
    expect(result.affected_dependents).toEqual(["dep-1"]);
    const dep = store.readDocument(store.locate("dep-1")) as TaskDocument;
    expect(dep.depends_on).toEqual(["new-1"]);
    expect(dep.updated_at).toBe("2026-05-02T08:30:00Z");
    expect(readdirSync(path.join(paths.queues.task.queue, "superseded")).length).toBe(2);
    expect(records(path.join(paths.queues.task.queue, "interventions.jsonl"))[0]).toMatchObject({
      action: "retarget_dependency",
      replacement_work_item_id: "new-1",
    });
  });

  it("retarget refuses a dependency the task does not have", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    store.enqueue("task", task("a-1"));
    store.enqueue("task", task("b-1", { depends_on: ["a-1"] }));
    expect(errorOf(() => retargetTaskDependency(store, "b-1", "zzz", "a-1", { reason: "r" })).message).toBe(
      "task b-1 does not depend on zzz",
    );
  });

  it("archives blocked tasks, resolves and cancels incidents, archives invalid incident files", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    store.enqueue("task", task("t-blocked"));
    store.claimNext("execution");
    store.block("task", "t-blocked");
    expect(archiveBlockedTask(store, "t-blocked", { reason: "obsolete" }).destination_state).toBe(
      "cancelled",
    );
    store.enqueue("incident", incident("inc-1"));
    store.enqueue("incident", incident("inc-2"));
    const resolved = resolveIncident(store, "inc-1", { reason: "fixed by hand", now });
    expect(resolved.destination_path).toContain(`${path.sep}resolved${path.sep}operator${path.sep}inc-1.`);
    expect(cancelIncident(store, "inc-2", { reason: "dup" }).destination_state).toBe("cancelled");
    writeFileSync(path.join(paths.queues.incident.queue, "latest-incident.md.invalid"), "junk");
    const archived = archiveInvalidIncident(store, "latest-incident.md.invalid", { reason: "noise" });
    expect(archived.destination_path).toContain("invalid-archived");
    expect(errorOf(() => archiveInvalidIncident(store, "../x", { reason: "r" })).code).toBe("invalid_id");
    writeFileSync(path.join(paths.queues.incident.queue, "ok.md"), "x");
    expect(errorOf(() => archiveInvalidIncident(store, "ok.md", { reason: "r" })).code).toBe(
      "queue_state_conflict",
    );
  });
});
