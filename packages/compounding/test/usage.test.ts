import { readFileSync } from "node:fs";
import path from "node:path";
import {
  CompoundingItemListingSchema,
  CompoundingUsageFileSchema,
  type ReusableProcedure,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import {
  compoundingPaths,
  effectivenessSummary,
  listProcedures,
  loadCompoundingSnapshot,
  loadUsageFiles,
  promoteItem,
  readSelectionArtifacts,
  recordInjection,
  recordInjectionOutcome,
  selectPromptContext,
  writeSelectionArtifact,
} from "../src/index.js";
import { writeProcedure } from "../src/store/write.js";
import { RUN, requestId, tempWorkspace, write } from "./helpers.js";

const NOW = new Date("2026-04-28T12:00:00Z");

function seed(paths: ReturnType<typeof tempWorkspace>, count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const p: ReusableProcedure = {
      procedure_id: `proc.workspace.u${i}`,
      scope: "workspace",
      source_run_id: "run-x",
      source_stage: "builder",
      title: `Procedure ${i}`,
      summary: "",
      procedure_markdown: "short body",
      tags: [],
      evidence_refs: [],
      created_at: `2026-04-2${i}T10:00:00Z`,
      supersedes_procedure_id: null,
    };
    writeProcedure(compoundingPaths(paths), p);
    promoteItem(paths, { kind: "procedure", id: p.procedure_id, issuer: "cli", reason: "ok", now: NOW });
    ids.push(p.procedure_id);
  }
  return ids;
}

describe("usage records and effectiveness", () => {
  it("records the injected and skipped items of a stage, then its outcome once", () => {
    const paths = tempWorkspace();
    seed(paths, 3);
    const { selection } = selectPromptContext(loadCompoundingSnapshot(paths), {
      runId: RUN,
      stage: "builder",
    });
    const request = requestId();
    const file = recordInjection(paths, { selection, requestId: request, now: NOW });
    expect(file).toBe(path.join(compoundingPaths(paths).usage, RUN, `${request}.json`));
    const stored = CompoundingUsageFileSchema.parse(JSON.parse(readFileSync(file ?? "", "utf8")));
    expect(stored.records.map((r) => [r.procedure_id, r.disposition, r.reason])).toEqual([
      ["proc.workspace.u2", "injected", "selected"],
      ["proc.workspace.u1", "injected", "selected"],
      ["proc.workspace.u0", "skipped", "over_item_cap"],
    ]);
    expect(stored.outcome).toBeNull();
    const outcome = {
      runId: RUN,
      requestId: request,
      terminalResult: "BUILDER_COMPLETE",
      success: true,
      now: NOW,
    };
    expect(recordInjectionOutcome(paths, outcome)).toBe(true);
    expect(recordInjectionOutcome(paths, { ...outcome, success: false })).toBe(false);
    expect(loadUsageFiles(paths)[0]?.outcome).toMatchObject({ success: true, attempt: 1 });
    // Re-recording the selection keeps the outcome.
    recordInjection(paths, { selection, requestId: request, now: NOW });
    expect(loadUsageFiles(paths)[0]?.outcome?.success).toBe(true);
  });

  it("returns false for a stage that was given nothing, and null when nothing was considered", () => {
    const paths = tempWorkspace();
    expect(
      recordInjectionOutcome(paths, {
        runId: RUN,
        requestId: requestId(),
        terminalResult: "X",
        success: true,
      }),
    ).toBe(false);
    const { selection } = selectPromptContext(loadCompoundingSnapshot(paths), {
      runId: RUN,
      stage: "builder",
    });
    expect(recordInjection(paths, { selection, requestId: requestId() })).toBeNull();
  });

  it("summarises per item how often the stages it went into succeeded first time", () => {
    const paths = tempWorkspace();
    const [, , newest = ""] = seed(paths, 3);
    const snapshot = loadCompoundingSnapshot(paths);
    const outcomes = [
      { success: true, attempt: 1 },
      { success: true, attempt: 2 },
      { success: false, attempt: 1 },
      null,
    ];
    for (const outcome of outcomes) {
      const { selection } = selectPromptContext(snapshot, { runId: RUN, stage: "builder" });
      const request = requestId();
      recordInjection(paths, { selection, requestId: request, now: NOW });
      if (outcome)
        recordInjectionOutcome(paths, {
          runId: RUN,
          requestId: request,
          terminalResult: "T",
          ...outcome,
          now: NOW,
        });
    }
    const rows = effectivenessSummary(loadUsageFiles(paths));
    expect(rows.find((row) => row.item_id === newest)).toEqual({
      item_id: newest,
      item_kind: "procedure",
      injected: 4,
      with_outcome: 3,
      succeeded: 2,
      succeeded_first_time: 1,
      first_time_success_rate: 1 / 3,
      skipped: 0,
    });
    expect(rows.find((row) => row.item_id === "proc.workspace.u0")).toMatchObject({
      injected: 0,
      skipped: 4,
      first_time_success_rate: null,
    });
    const listing = listProcedures(paths).find((p) => p.item_id === newest);
    expect(CompoundingItemListingSchema.parse(listing)).toEqual(listing);
    expect(listing?.effectiveness?.succeeded_first_time).toBe(1);
  });

  it("skips an unreadable usage file instead of failing", () => {
    const paths = tempWorkspace();
    write(path.join(compoundingPaths(paths).usage, RUN, "request-bad.json"), "{ nope");
    const problems: { file: string }[] = [];
    expect(loadUsageFiles(paths, problems as never)).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(listProcedures(paths)).toEqual([]);
  });

  it("stores each stage's selection with the run's artifacts and reads them back tolerantly", () => {
    const paths = tempWorkspace();
    seed(paths, 1);
    const { selection } = selectPromptContext(loadCompoundingSnapshot(paths), {
      runId: RUN,
      stage: "builder",
    });
    const runDirectory = path.join(paths.runs, RUN);
    const request = requestId();
    const file = writeSelectionArtifact(runDirectory, request, selection);
    expect(file).toBe(path.join(runDirectory, "compounding_selection", `${request}.json`));
    write(path.join(runDirectory, "compounding_selection", "request-bad.json"), "[");
    const read = readSelectionArtifacts(runDirectory);
    expect(read.selections).toEqual([{ request_id: request, selection }]);
    expect(read.problems).toHaveLength(1);
    expect(readSelectionArtifacts(path.join(paths.runs, "run-none"))).toEqual({
      selections: [],
      problems: [],
    });
    expect(() => writeSelectionArtifact(runDirectory, "../x", selection)).toThrowError(/not a safe id/);
  });
});
