import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { openQueueStore } from "../src/index.js";
import { task, tempWorkspace } from "./helpers.js";

describe("claimNext with maxActive (execution lanes)", () => {
  it("claims up to maxActive items, skipping the ids it is told to", () => {
    const store = openQueueStore(tempWorkspace(), { indexFile: false });
    for (const id of ["task-a", "task-b", "task-c", "task-d"]) store.enqueue("task", task(id));
    expect(store.claimNext("execution", { maxActive: 3 })?.id).toBe("task-a");
    // The default stays one active item per plane.
    expect(store.claimNext("execution")).toBeUndefined();
    expect(store.claimNext("execution", { maxActive: 3, skipIds: new Set(["task-b"]) })?.id).toBe("task-c");
    expect(store.claimNext("execution", { maxActive: 3 })?.id).toBe("task-b");
    expect(store.claimNext("execution", { maxActive: 3 })).toBeUndefined();
    expect(
      store
        .activeOn("execution")
        .map((ref) => ref.id)
        .sort(),
    ).toEqual(["task-a", "task-b", "task-c"]);
  });

  it("refuses a plane holding more active items than allowed, naming them", () => {
    const store = openQueueStore(tempWorkspace(), { indexFile: false });
    for (const id of ["task-a", "task-b", "task-c"]) store.enqueue("task", task(id));
    store.claimNext("execution", { maxActive: 2 });
    store.claimNext("execution", { maxActive: 2 });
    let error: unknown;
    try {
      store.claimNext("execution");
    } catch (caught) {
      error = caught;
    }
    expect(MillraceError.isInstance(error)).toBe(true);
    expect((error as MillraceError).code).toBe("queue_state_conflict");
    expect((error as MillraceError).message).toContain("task-a, task-b");
  });
});

describe("blockDone", () => {
  it("moves a done item to blocked and refuses an item that is not done", () => {
    const store = openQueueStore(tempWorkspace(), { indexFile: false });
    store.enqueue("task", task("task-a"));
    store.claimNext("execution");
    store.complete("task", "task-a");
    expect(store.blockDone("task", "task-a").state).toBe("blocked");
    expect(store.find("task-a")?.state).toBe("blocked");
    expect(() => store.blockDone("task", "task-a")).toThrow(/is not done/);
  });
});

describe("reopenDone", () => {
  it("moves a done item back to active and refuses an item that is not done", () => {
    const store = openQueueStore(tempWorkspace(), { indexFile: false });
    store.enqueue("task", task("task-a"));
    store.claimNext("execution");
    expect(() => store.reopenDone("task", "task-a")).toThrow(/is not done/);
    store.complete("task", "task-a");
    expect(store.reopenDone("task", "task-a").state).toBe("active");
    expect(store.find("task-a")?.state).toBe("active");
    expect(store.activeOn("execution").map((ref) => ref.id)).toEqual(["task-a"]);
  });
});
