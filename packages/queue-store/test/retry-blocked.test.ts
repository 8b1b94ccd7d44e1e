import { copyFileSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { type DocumentKind, MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { countRetries, locateBlockedItem, openQueueStore, retryBlockedItem } from "../src/index.js";
import { incident, probe, snapshotTree, spec, task, tempWorkspace } from "./helpers.js";

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

/** Enqueues a document and moves it to blocked/ the way a failed run does (queue → active → blocked). */
function blocked(kind: DocumentKind, id: string) {
  const paths = tempWorkspace();
  const store = openQueueStore(paths, { indexFile: false });
  // Each maker returns its own kind's document; the store is asked for that same kind.
  const make = { task, spec, incident, probe } as unknown as Record<string, (id: string) => never>;
  store.enqueue(kind, (make[kind] as (id: string) => never)(id));
  store.activate(kind, id);
  store.block(kind, id);
  return { paths, store };
}

describe("retryBlockedItem", () => {
  for (const kind of ["task", "spec", "incident", "probe"] as const) {
    it(`moves a blocked ${kind} back to its queue, unchanged, with an audit record and a requeue line`, () => {
      const id = `${kind}-stuck`;
      const { paths, store } = blocked(kind, id);
      const before = readFileSync(path.join(paths.queues[kind].blocked, `${id}.md`), "utf8");
      const result = retryBlockedItem(store, id, { reason: "provider is back", actor: "ops", now });
      expect(result).toMatchObject({
        action: "retry_blocked",
        work_item_kind: kind,
        source_state: "blocked",
        retry_attempt: 1,
      });
      const queued = path.join(paths.queues[kind].queue, `${id}.md`);
      expect(readFileSync(queued, "utf8")).toBe(before);
      const audit = JSON.parse(
        readFileSync(path.join(paths.queues[kind].queue, "interventions.jsonl"), "utf8").trim(),
      );
      expect(audit).toMatchObject({ action: "retry_blocked", actor: "ops", reason: "provider is back" });
      expect(store.requeueLog(kind, id)).toEqual([
        expect.objectContaining({ actor: "ops", reason: "retry-blocked: provider is back" }),
      ]);
      store.close();
    });
  }

  it("counts operator and automatic retries, not other requeues", () => {
    const { store } = blocked("task", "task-x");
    retryBlockedItem(store, "task-x", { reason: "one", now });
    store.activate("task", "task-x");
    store.requeue("task", "task-x", "parked: over budget", { actor: "runtime" });
    store.activate("task", "task-x");
    store.block("task", "task-x");
    store.requeue("task", "task-x", "auto retry 1 of 2 after runner_timeout", {
      from: "blocked",
      auto: true,
    });
    expect(countRetries(store.requeueLog("task", "task-x"))).toEqual({ total: 2, auto: 1 });
    store.close();
  });

  it("refuses unknown, unsafe, not-blocked and ambiguous ids, and changes nothing", () => {
    const { paths, store } = blocked("task", "task-b");
    store.enqueue("task", task("task-q"));
    store.flush();
    const tree = snapshotTree(paths.runtimeRoot);
    expect(errorOf(() => retryBlockedItem(store, "task-none", { reason: "r" })).code).toBe(
      "queue_item_not_found",
    );
    expect(errorOf(() => retryBlockedItem(store, "task-q", { reason: "r" })).code).toBe(
      "queue_state_conflict",
    );
    expect(errorOf(() => retryBlockedItem(store, "../task-b", { reason: "r" })).code).toBe("invalid_id");
    expect(errorOf(() => retryBlockedItem(store, "task-b", { reason: " " })).code).toBe(
      "queue_reason_required",
    );
    expect(errorOf(() => locateBlockedItem(paths, "task-b", "learning_request")).code).toBe(
      "queue_state_conflict",
    );
    expect(snapshotTree(paths.runtimeRoot)).toEqual(tree);
    // The same id blocked under two kinds (only a hand-made copy can do that): say which.
    copyFileSync(
      path.join(paths.queues.task.blocked, "task-b.md"),
      path.join(paths.queues.spec.blocked, "task-b.md"),
    );
    const both = errorOf(() => locateBlockedItem(paths, "task-b"));
    expect(both.code).toBe("queue_state_conflict");
    expect(both.hint).toMatch(/--kind/);
    expect(locateBlockedItem(paths, "task-b", "spec").kind).toBe("spec");
    expect(existsSync(path.join(paths.queues.task.blocked, "task-b.md"))).toBe(true);
    store.close();
  });
});
