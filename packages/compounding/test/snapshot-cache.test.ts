import { describe, expect, it } from "vitest";
import {
  extractRunCandidate,
  flushRunCandidates,
  openSnapshotCache,
  promoteItem,
  recordRunCandidate,
  selectPromptContext,
} from "../src/index.js";
import { completion, OTHER_RUN, RUN, tempWorkspace } from "./helpers.js";

const NOW = new Date("2026-04-28T12:00:00Z");

describe("openSnapshotCache", () => {
  it("reuses the snapshot until a store folder changes, then reloads", () => {
    const paths = tempWorkspace();
    const cache = openSnapshotCache(paths);
    const empty = cache.get();
    expect(cache.get()).toBe(empty);
    const candidate = extractRunCandidate(completion());
    if (!candidate) throw new Error("no candidate");
    recordRunCandidate(paths, candidate);
    const withRun = cache.get();
    expect(withRun).not.toBe(empty);
    expect(withRun.procedures).toHaveLength(1);
    expect(cache.get()).toBe(withRun);
    flushRunCandidates(paths, { runId: RUN, milestone: "run_closeout", now: NOW });
    const id = candidate.procedure.procedure_id.replace("proc.run.", "proc.workspace.");
    expect(selectPromptContext(cache.get(), { runId: OTHER_RUN, stage: "builder" }).blocks).toEqual([]);
    promoteItem(paths, { kind: "procedure", id, issuer: "cli", reason: "ok", now: NOW });
    expect(
      selectPromptContext(cache.get(), { runId: OTHER_RUN, stage: "builder" }).selection.procedures
        .selected_ids,
    ).toEqual([id]);
  });
});
