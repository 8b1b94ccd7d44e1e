import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cancelWorkItem, openQueueStore, parseWorkDocument } from "../src/index.js";
import { incident, spec, tempWorkspace } from "./helpers.js";

const clock = () => new Date("2026-05-01T12:00:00Z");

function draft(id: string, extra: Record<string, unknown> = {}) {
  return {
    kind: "blueprint_draft" as const,
    draft_id: id,
    title: `Draft ${id}`,
    summary: `Build ${id}`,
    draft_index: 1,
    source_kind: "spec" as const,
    source_id: "spec-root",
    root_spec_id: "spec-root",
    target_paths: ["src/"],
    acceptance_intent: ["it works"],
    created_at: "2026-01-01T00:00:00Z",
    created_by: "manager_blueprint",
    ...extra,
  };
}

describe("blueprint drafts in the queue", () => {
  it("live under blueprints/drafts/, render without empty fields and parse back", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { clock, indexFile: false });
    const ref = store.enqueue("blueprint_draft", draft("draft-a", { depends_on_draft_ids: ["draft-0"] }));
    expect(ref.path).toBe(path.join(paths.runtimeRoot, "blueprints", "drafts", "queue", "draft-a.md"));
    const doc = store.readDocument(ref);
    expect(doc).toMatchObject({
      kind: "blueprint_draft",
      draft_id: "draft-a",
      draft_index: 1,
      context_excerpt: "",
    });
    store.close();
    const parsed = parseWorkDocument(
      "# Draft x\n\nDraft-ID: x\nTitle: Draft x\nSummary: s\nDraft-Index: 2\nSource-Kind: spec\nSource-ID: s-1\nCreated-At: 2026-01-01T00:00:00Z\nCreated-By: m\n\nTarget-Paths:\n- a\n\nAcceptance-Intent:\n- b\n",
    );
    expect(parsed).toMatchObject({ kind: "blueprint_draft", draft_index: 2 });
    expect(() =>
      parseWorkDocument(
        "# Draft x\n\nDraft-ID: x\nTitle: Draft x\nSummary: s\nDraft-Index: two\nSource-Kind: spec\nSource-ID: s-1\nCreated-At: 2026-01-01T00:00:00Z\nCreated-By: m\n\nTarget-Paths:\n- a\n\nAcceptance-Intent:\n- b\n",
      ),
    ).toThrow(/Draft-Index/);
  });

  it("are claimed after incidents and before specs, each only once the drafts it depends on are done", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { clock, indexFile: false });
    store.enqueue("spec", spec("spec-old", { created_at: "2020-01-01T00:00:00Z" }));
    store.enqueue("blueprint_draft", draft("draft-2", { draft_index: 2, depends_on_draft_ids: ["draft-1"] }));
    store.enqueue("blueprint_draft", draft("draft-1", { created_at: "2026-01-01T00:00:01Z" }));
    store.enqueue("incident", incident("inc-new", { opened_at: "2026-06-01T00:00:00Z" }));
    const order: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const item = store.claimNext("planning");
      if (!item) break;
      order.push(item.id);
      store.complete(item.kind, item.id);
    }
    expect(order).toEqual(["inc-new", "draft-1", "draft-2", "spec-old"]);
    expect(existsSync(path.join(paths.queues.blueprint_draft.done, "draft-2.md"))).toBe(true);
    store.close();
  });

  it("count as open lineage work of their root spec while queued, active or blocked", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { clock, indexFile: false });
    store.enqueue("blueprint_draft", draft("draft-open"));
    store.enqueue(
      "blueprint_draft",
      draft("draft-source-only", { root_spec_id: undefined, source_spec_id: "spec-root" }),
    );
    expect(store.openLineageWork("spec-root")).toEqual(["draft-open", "draft-source-only"]);
    store.claimNext("planning");
    store.block("blueprint_draft", "draft-open");
    // Scan order is queue, then active, then blocked.
    expect(store.openLineageWork("spec-root")).toEqual(["draft-source-only", "draft-open"]);
    store.claimNext("planning");
    store.complete("blueprint_draft", "draft-source-only");
    expect(store.openLineageWork("spec-root")).toEqual(["draft-open"]);
    store.close();
  });

  it("a blocked draft can be cancelled by an operator, which releases the closure it held", () => {
    const paths = tempWorkspace();
    const store = openQueueStore(paths, { clock, indexFile: false });
    store.enqueue("blueprint_draft", draft("draft-stuck"));
    store.claimNext("planning");
    store.block("blueprint_draft", "draft-stuck");
    const result = cancelWorkItem(store, "draft-stuck", {
      reason: "re-planned by hand",
      actor: "test",
      now: clock(),
    });
    expect(result.record.work_item_kind).toBe("blueprint_draft");
    expect(result.record.destination_path).toMatch(
      /blueprints\/drafts\/blocked\/cancelled\/draft-stuck\..*\.md$/,
    );
    expect(store.openLineageWork("spec-root")).toEqual([]);
    store.close();
  });
});
