import type { QueueStore } from "@millrace/queue-store";
import { describe, expect, it } from "vitest";
import { LINEAGE_MEMO_LIMIT, lineageLookup } from "../../src/governance/lineage.js";

/** A queue where every item `task-<n>` has the lineage `spec-<n mod 7>`; counts document reads. */
function fakeQueue() {
  const reads = { count: 0 };
  const queue = {
    find: (id: string) => (id.startsWith("task-") ? { id } : undefined),
    readDocument: (ref: { id: string }) => {
      reads.count += 1;
      return { root_spec_id: `spec-${Number(ref.id.slice(5)) % 7}` };
    },
  } as unknown as QueueStore;
  return { queue, reads };
}

describe("lineage lookup memo", () => {
  it("stays within its limit however many items it has seen", () => {
    const { queue } = fakeQueue();
    const lookup = lineageLookup(queue);
    for (let i = 0; i < LINEAGE_MEMO_LIMIT * 10; i += 1)
      expect(lookup("task", `task-${i}`)).toBe(`spec-${i % 7}`);
    expect(lookup.memoSize()).toBe(LINEAGE_MEMO_LIMIT);
  });

  it("answers a recent id from the memo and re-reads an evicted one", () => {
    const { queue, reads } = fakeQueue();
    const lookup = lineageLookup(queue, 2);
    lookup("task", "task-1");
    lookup("task", "task-2");
    lookup("task", "task-2");
    expect(reads.count).toBe(2);
    lookup("task", "task-3"); // evicts task-1
    expect(lookup("task", "task-1")).toBe("spec-1");
    expect(reads.count).toBe(4);
    expect(lookup.memoSize()).toBe(2);
  });

  it("remembers an unknown or unreadable id as having no lineage", () => {
    const { queue } = fakeQueue();
    const lookup = lineageLookup(queue);
    expect(lookup("task", "missing")).toBeNull();
    const broken = {
      find: () => ({ id: "x" }),
      readDocument: () => {
        throw new Error("unreadable");
      },
    } as unknown as QueueStore;
    expect(lineageLookup(broken)("task", "task-1")).toBeNull();
  });
});
