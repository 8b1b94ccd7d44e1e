import { QueueListingSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { openQueueStore } from "../src/index.js";
import { spec, task, tempWorkspace } from "./helpers.js";

/** 25 queued tasks (created a minute apart, so claim order is id order), 1 active, 4 queued specs. */
function seeded() {
  const paths = tempWorkspace();
  const store = openQueueStore(paths);
  for (let i = 0; i < 26; i += 1) {
    const minute = String(i).padStart(2, "0");
    store.enqueue("task", task(`t-${minute}`, { created_at: `2026-01-01T00:${minute}:00Z` }));
  }
  for (let i = 0; i < 4; i += 1) store.enqueue("spec", spec(`s-${i}`));
  expect(store.claimNext("execution")?.id).toBe("t-00");
  store.flush();
  return paths;
}

const ids = (items: { id: string }[]) => items.map((item) => item.id);

describe("a page of the listing", () => {
  it("keeps at most `limit` items of each folder, after skipping `offset` of each", () => {
    const paths = seeded();
    // Read through a fresh store: the columns of the saved index, as `queue ls` reads them.
    const store = openQueueStore(paths);
    const page = store.listing({ limit: 3 });
    expect(QueueListingSchema.parse(page)).toEqual(page);
    expect(ids(page.items)).toEqual(["t-01", "t-02", "t-03", "t-00", "s-0", "s-1", "s-2"]);
    expect(page).toMatchObject({ total: 30, limit: 3, offset: 0, next_offset: 3 });
    // The counts always cover every folder, paged or not.
    expect(page.counts.task).toEqual({ queue: 25, active: 1, done: 0, blocked: 0 });

    const second = store.listing({ limit: 3, offset: 3 });
    expect(ids(second.items)).toEqual(["t-04", "t-05", "t-06", "s-3"]);
    expect(second).toMatchObject({ total: 30, limit: 3, offset: 3, next_offset: 6 });
  });

  it("pages through one folder to the same items as the whole listing, ending with next_offset null", () => {
    const paths = seeded();
    const store = openQueueStore(paths);
    const filter = { kind: "task", state: "queue" } as const;
    const whole = store.listing(filter);
    expect(whole).toMatchObject({ total: 25, limit: null, offset: 0, next_offset: null });
    const pages: string[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page = store.listing({ ...filter, limit: 7, offset });
      expect(page.total).toBe(25);
      pages.push(...ids(page.items));
      offset = page.next_offset;
    }
    expect(pages).toEqual(ids(whole.items));
    expect(pages).toHaveLength(25);
    // The last page is exact: 21 + 4 = 25 leaves nothing past it.
    expect(store.listing({ ...filter, limit: 4, offset: 21 }).next_offset).toBeNull();
    expect(store.listing({ ...filter, limit: 4, offset: 20 }).next_offset).toBe(24);
  });

  it("answers an offset past the end with no items and the full total", () => {
    const store = openQueueStore(seeded());
    expect(store.listing({ offset: 500 })).toMatchObject({
      items: [],
      total: 30,
      limit: null,
      next_offset: null,
    });
    expect(store.list({ limit: 2, offset: 500 })).toEqual([]);
  });

  it("builds the same page from the documents as from the saved columns", () => {
    const paths = seeded();
    const fromFiles = openQueueStore(paths, { indexFile: false }).listing({ limit: 5, offset: 2 });
    expect(openQueueStore(paths).listing({ limit: 5, offset: 2 })).toEqual(fromFiles);
  });

  it("refuses a limit or offset that is not a whole number in range", () => {
    const store = openQueueStore(seeded());
    for (const filter of [
      { limit: 0 },
      { limit: 1.5 },
      { limit: -2 },
      { offset: -1 },
      { offset: Number.NaN },
    ]) {
      expect(() => store.listing(filter), JSON.stringify(filter)).toThrow(RangeError);
    }
  });
});
