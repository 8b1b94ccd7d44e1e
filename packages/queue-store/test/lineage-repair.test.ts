import { renameSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { applyLineageRepair, openQueueStore, planLineageRepair } from "../src/index.js";
import { incident, snapshotTree, spec, task, tempWorkspace } from "./helpers.js";

const target = { rootSpecId: "idea-idea-x", rootIdeaId: "idea-x" };

function drifted() {
  const paths = tempWorkspace();
  const store = openQueueStore(paths, { indexFile: false });
  store.enqueue("task", task("t-right", { root_spec_id: "idea-idea-x", root_idea_id: "idea-x" }));
  store.enqueue(
    "task",
    task("t-drift", { root_spec_id: "spec-other", root_idea_id: "idea-x", spec_id: "spec-other" }),
  );
  store.enqueue("task", task("t-alias", { spec_id: "idea-x" }));
  store.enqueue("incident", incident("i-drift", { root_spec_id: "spec-other", root_idea_id: "idea-x" }));
  store.enqueue("spec", spec("s-drift", { root_spec_id: "spec-other", root_idea_id: "idea-x" }));
  store.enqueue("task", task("t-active", { root_spec_id: "spec-other", root_idea_id: "idea-x" }));
  return { paths, store };
}

describe("lineage repair", () => {
  it("plans root (and wrong spec) rewrites for queued and blocked tasks and incidents; skips specs and active work", () => {
    const { store } = drifted();
    store.activate("task", "t-drift");
    store.block("task", "t-drift");
    store.activate("task", "t-active");
    const plan = planLineageRepair(store, target);
    expect(plan.changes.map((c) => [c.work_item_id, c.state, c.root_spec_id, c.spec_id])).toEqual([
      ["i-drift", "queue", { from: "spec-other", to: "idea-idea-x" }, null],
      [
        "t-drift",
        "blocked",
        { from: "spec-other", to: "idea-idea-x" },
        { from: "spec-other", to: "idea-idea-x" },
      ],
      ["t-alias", "queue", { from: "idea-x", to: "idea-idea-x" }, { from: "idea-x", to: "idea-idea-x" }],
    ]);
    expect(plan.skipped.map((s) => [s.work_item_id, s.reason])).toEqual([
      ["s-drift", "spec_not_rewritten"],
      ["t-active", "active_item"],
    ]);
  });

  it("applies the plan: the rewritten work is the target's lineage and the drift scan finds only what was skipped", () => {
    const { store } = drifted();
    store.activate("task", "t-active");
    applyLineageRepair(store, planLineageRepair(store, target), new Date("2026-12-06T10:00:00Z"));
    expect(store.lineageDrift(target).map((f) => f.work_item_id)).toEqual(["s-drift", "t-active"]);
    expect(store.openLineageWork("idea-idea-x").sort()).toEqual(["i-drift", "t-alias", "t-drift", "t-right"]);
    const alias = store.readDocument(store.locate("t-alias"));
    expect(alias).toMatchObject({ root_spec_id: "idea-idea-x", spec_id: "idea-idea-x" });
    expect(alias.updated_at).toBe("2026-12-06T10:00:00Z");
  });

  it("a plan that no longer matches the queue changes nothing", () => {
    const { paths, store } = drifted();
    const plan = planLineageRepair(store, target);
    // Another process moves one planned document before the plan is applied.
    renameSync(
      path.join(paths.queues.task.queue, "t-drift.md"),
      path.join(paths.queues.task.blocked, "t-drift.md"),
    );
    const before = snapshotTree(paths.root);
    const fresh = openQueueStore(paths, { indexFile: false });
    expect(() => applyLineageRepair(fresh, plan)).toThrow(MillraceError);
    expect(snapshotTree(paths.root)).toEqual(before);
  });

  it("a target without drift plans nothing", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { indexFile: false });
    store.enqueue("task", task("t-right", { root_spec_id: "idea-idea-x", root_idea_id: "idea-x" }));
    expect(planLineageRepair(store, target)).toMatchObject({ changes: [], skipped: [] });
  });
});
