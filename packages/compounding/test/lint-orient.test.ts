import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import {
  CompoundingLintReportSchema,
  CompoundingOrientOutputSchema,
  CompoundingSummarySchema,
  GovernedStoreIndexSchema,
  RelationshipSummarySchema,
  type ReusableProcedure,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import {
  compoundingPaths,
  compoundingSummary,
  deprecateItem,
  lintCompounding,
  loadCompoundingSnapshot,
  orient,
  promoteItem,
  selectPromptContext,
} from "../src/index.js";
import { writeLifecycleRecord, writeProcedure } from "../src/store/write.js";
import { RUN, tempWorkspace, write, writeJson } from "./helpers.js";

const NOW = new Date("2026-04-28T12:00:00Z");
type Paths = ReturnType<typeof tempWorkspace>;

function proc(id: string, overrides: Partial<ReusableProcedure> = {}): ReusableProcedure {
  return {
    procedure_id: id,
    scope: "workspace",
    source_run_id: "run-1",
    source_stage: "builder",
    title: `Title of ${id}`,
    summary: `Summary of ${id}`,
    procedure_markdown: "body",
    tags: ["database"],
    evidence_refs: ["millrace-agents/runs/run-1/report.md"],
    created_at: "2026-04-28T10:00:00Z",
    supersedes_procedure_id: null,
    ...overrides,
  };
}

function healthy(paths: Paths) {
  const store = compoundingPaths(paths);
  writeProcedure(store, proc("proc.workspace.a"));
  writeProcedure(
    store,
    proc("proc.workspace.b", { supersedes_procedure_id: "proc.workspace.a", tags: ["database", "orders"] }),
  );
  promoteItem(paths, { kind: "procedure", id: "proc.workspace.a", issuer: "cli", reason: "ok", now: NOW });
  promoteItem(paths, { kind: "procedure", id: "proc.workspace.b", issuer: "cli", reason: "ok", now: NOW });
}

const ids = (paths: Paths) => lintCompounding(paths, { now: NOW }).issues.map((issue) => issue.issue_id);

describe("lintCompounding", () => {
  it("passes a consistent store and validates against its schema", () => {
    const paths = tempWorkspace();
    healthy(paths);
    orient(paths, { now: NOW });
    const report = lintCompounding(paths, { now: NOW });
    expect(CompoundingLintReportSchema.parse(report)).toEqual(report);
    expect(report).toMatchObject({
      status: "pass",
      issue_count: 0,
      orientation_index_present: true,
      relationship_summary_present: true,
    });
    expect(report.checked_counts).toMatchObject({ procedures: 2, lifecycle_records: 2, index_entries: 2 });
  });

  it("reports each planted inconsistency with its issue id", () => {
    const paths = tempWorkspace();
    healthy(paths);
    const store = compoundingPaths(paths);
    orient(paths, { now: NOW });
    // Missing supersedes target.
    writeProcedure(store, proc("proc.workspace.c", { supersedes_procedure_id: "proc.workspace.gone" }));
    // Orphan lifecycle record and a missing replacement.
    writeLifecycleRecord(store, {
      record_id: "lc.procedure.proc.workspace.ghost.0001",
      procedure_id: "proc.workspace.ghost",
      fact_id: null,
      state: "promoted",
      scope: "workspace",
      changed_at: "2026-04-28T10:00:00Z",
      changed_by: "cli",
      reason: "x",
      replacement_procedure_id: null,
    });
    deprecateItem(paths, {
      kind: "procedure",
      id: "proc.workspace.a",
      issuer: "cli",
      reason: "x",
      replacementId: "proc.workspace.b",
      now: NOW,
    });
    rmSync(path.join(store.procedures, "proc.workspace.b.json"));
    // Bad JSON, a schema-invalid file, a duplicate id and a misplaced file.
    write(path.join(store.procedures, "broken.json"), "{ not json");
    writeJson(path.join(store.contextFacts, "fact.bad.json"), { fact_id: "fact.bad" });
    writeJson(path.join(store.procedures, RUN, "dupe.json"), proc("proc.workspace.a"));
    writeJson(path.join(store.procedures, "renamed.json"), proc("proc.workspace.d"));
    const report = lintCompounding(paths, { now: NOW });
    expect(report.status).toBe("fail");
    expect(report.issues.map((issue) => issue.issue_id)).toEqual(
      expect.arrayContaining([
        "procedure.supersedes_missing.proc.workspace.c",
        "lifecycle.orphaned.lc.procedure.proc.workspace.ghost.0001",
        "lifecycle.orphaned.lc.procedure.proc.workspace.b.0001",
        "lifecycle.replacement_missing.lc.procedure.proc.workspace.a.0002",
        "procedure.unloadable.broken",
        "context_fact.unloadable.fact.bad",
        "procedure.duplicate_id.proc.workspace.a",
        "procedure.misplaced.proc.workspace.d",
        "procedure.pending_review.proc.workspace.c",
        "index.out_of_sync.governed_store_index",
        "index.entry_missing_artifact.proc.workspace.b",
        "relationship.out_of_sync.relationship_summary",
      ]),
    );
    const pending = report.issues.find(
      (issue) => issue.issue_id === "procedure.pending_review.proc.workspace.c",
    );
    expect(pending?.severity).toBe("warn");
    expect(report.failure_count + report.warning_count).toBe(report.issue_count);
    // Selection still works on the damaged store.
    expect(() =>
      selectPromptContext(loadCompoundingSnapshot(paths), { runId: RUN, stage: "builder" }),
    ).not.toThrow();
    expect(compoundingSummary(paths).unloadable_files).toBe(2);
  });

  it("reports an unloadable index and a cluster with missing members", () => {
    const paths = tempWorkspace();
    healthy(paths);
    const store = compoundingPaths(paths);
    orient(paths, { now: NOW });
    const relationships = JSON.parse(readFileSync(store.relationshipSummary, "utf8"));
    relationships.clusters[0].member_ids.push("proc.workspace.zzz");
    writeJson(store.relationshipSummary, relationships);
    write(store.governedStoreIndex, "[");
    expect(ids(paths)).toEqual(
      expect.arrayContaining([
        "index.unloadable.governed_store_index",
        `relationship.cluster_missing_members.${relationships.clusters[0].cluster_id}`,
        "relationship.out_of_sync.relationship_summary",
      ]),
    );
    orient(paths, { now: NOW });
    expect(ids(paths)).toEqual([]);
  });
});

describe("orient", () => {
  it("writes both index files, stable apart from the time, and filters by query", () => {
    const paths = tempWorkspace();
    healthy(paths);
    const store = compoundingPaths(paths);
    const all = orient(paths, { now: NOW });
    expect(CompoundingOrientOutputSchema.parse(all)).toEqual(all);
    expect(all.written).toEqual([
      "millrace-agents/compounding/indexes/governed_store_index.json",
      "millrace-agents/compounding/indexes/relationship_summary.json",
    ]);
    const index = GovernedStoreIndexSchema.parse(JSON.parse(readFileSync(store.governedStoreIndex, "utf8")));
    const clusters = RelationshipSummarySchema.parse(
      JSON.parse(readFileSync(store.relationshipSummary, "utf8")),
    );
    expect(index.entries.map((e) => [e.entry_id, e.status, e.related_ids])).toEqual([
      ["proc.workspace.a", "eligible", []],
      ["proc.workspace.b", "eligible", ["proc.workspace.a"]],
    ]);
    expect(clusters.clusters.map((c) => c.cluster_id)).toEqual([
      "evidence_ref.millrace-agents/runs/run-1/report.md",
      "source_run.run-1",
      "tag.database",
    ]);
    expect(clusters.clusters[2]?.shared_terms).toEqual(["database"]);
    expect(all.family_counts).toEqual({ procedure: 2, context_fact: 0 });
    const before = readFileSync(store.governedStoreIndex, "utf8");
    orient(paths, { now: NOW });
    expect(readFileSync(store.governedStoreIndex, "utf8")).toBe(before);
    const orders = orient(paths, { query: "ORDERS database", now: NOW });
    expect(orders.query).toBe("orders database");
    expect(orders.entries.map((e) => e.entry_id)).toEqual(["proc.workspace.b"]);
    expect(orders.clusters.length).toBe(3);
    expect(orient(paths, { query: "nothing-matches" }).entries).toEqual([]);
  });
});

describe("compoundingSummary", () => {
  it("counts items per status and lists what awaits review", () => {
    const paths = tempWorkspace();
    healthy(paths);
    writeProcedure(compoundingPaths(paths), proc("proc.workspace.new"));
    const summary = compoundingSummary(paths);
    expect(CompoundingSummarySchema.parse(summary)).toEqual(summary);
    expect(summary.procedures).toEqual({
      total: 3,
      run_candidates: 0,
      eligible: 2,
      pending: 1,
      deprecated: 0,
    });
    expect(summary.pending_governance_items).toEqual(["proc.workspace.new"]);
    expect(summary.usage).toEqual({ stage_runs: 0, injected_items: 0, latest_run_id: null });
  });
});
