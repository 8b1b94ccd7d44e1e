import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CompoundingSelectionSchema, type ContextFact, type ReusableProcedure } from "@millrace/contracts";
import { workspacePaths } from "@millrace/workspace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compoundingPaths,
  DEFAULT_STAGE_RULES,
  deprecateItem,
  extractRunCandidate,
  flushRunCandidates,
  loadCompoundingSnapshot,
  promoteItem,
  recordRunCandidate,
  selectPromptContext,
} from "../src/index.js";
import { writeFact, writeLifecycleRecord, writeProcedure } from "../src/store/write.js";
import { completion, OTHER_RUN, RUN, tempWorkspace } from "./helpers.js";

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), "millrace-compounding-select-"));

const NOW = new Date("2026-04-28T12:00:00Z");
type Paths = ReturnType<typeof tempWorkspace>;

function procedure(i: number, overrides: Partial<ReusableProcedure> = {}): ReusableProcedure {
  return {
    procedure_id: `proc.workspace.p${String(i).padStart(4, "0")}`,
    scope: "workspace",
    source_run_id: `run-${i % 7}`,
    source_stage: ["builder", "fixer", "checker", "troubleshooter"][i % 4] ?? "builder",
    title: `Procedure number ${i}`,
    summary: `What procedure ${i} is about.`,
    procedure_markdown: Array.from(
      { length: 5 + (i % 40) },
      (_, l) => `- step ${l} of procedure ${i}: do the thing carefully`,
    ).join("\n"),
    tags: [`tag${i % 5}`],
    evidence_refs: [],
    created_at: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace(".000Z", "Z"),
    supersedes_procedure_id: null,
    ...overrides,
  };
}

function promoted(paths: Paths, kind: "procedure" | "fact", id: string) {
  writeLifecycleRecord(compoundingPaths(paths), {
    record_id: `lc.${kind}.${id}.0001`,
    procedure_id: kind === "procedure" ? id : null,
    fact_id: kind === "fact" ? id : null,
    state: "promoted",
    scope: "workspace",
    changed_at: "2026-04-28T10:00:00Z",
    changed_by: "cli",
    reason: "test",
    replacement_procedure_id: null,
  });
}

function builderFlow(paths: Paths) {
  const candidate = extractRunCandidate(completion());
  if (!candidate) throw new Error("no candidate");
  recordRunCandidate(paths, candidate);
  flushRunCandidates(paths, { runId: RUN, milestone: "run_closeout", now: NOW });
  return candidate.procedure.procedure_id.replace("proc.run.", "proc.workspace.");
}

const next = (paths: Paths, stage = "builder", runId = OTHER_RUN) =>
  selectPromptContext(loadCompoundingSnapshot(paths), { runId, stage });

describe("selectPromptContext: governance", () => {
  it("injects a flushed candidate only after promote, and withholds it after deprecate", () => {
    const paths = tempWorkspace();
    const id = builderFlow(paths);
    const before = next(paths);
    expect(before.blocks).toEqual([]);
    expect(before.selection.procedures.excluded_counts).toEqual({ not_promoted: 1, scope_not_allowed: 1 });
    promoteItem(paths, { kind: "procedure", id, issuer: "cli", reason: "good", now: NOW });
    const after = next(paths);
    expect(after.blocks).toHaveLength(1);
    expect(after.blocks[0]?.title).toBe("Injected reusable procedures");
    expect(after.blocks[0]?.body).toContain(
      "### Procedure 1: Run the integration suite with the local database",
    );
    expect(after.blocks[0]?.body).toContain(`- Id: ${id} (workspace scope, from the builder stage)`);
    expect(after.blocks[0]?.body).toContain("docker compose up -d db");
    expect(after.selection.procedures.selected_ids).toEqual([id]);
    expect(after.blocks[0]?.body.length).toBe(after.selection.procedures.used_characters);
    deprecateItem(paths, { kind: "procedure", id, issuer: "cli", reason: "stale", now: NOW });
    const gone = next(paths);
    expect(gone.blocks).toEqual([]);
    expect(gone.selection.procedures.excluded_counts.deprecated).toBe(1);
  });

  it("gives nothing under the baseline profile or to stages without rules", () => {
    const paths = tempWorkspace();
    const id = builderFlow(paths);
    promoteItem(paths, { kind: "procedure", id, issuer: "cli", reason: "good", now: NOW });
    const snapshot = loadCompoundingSnapshot(paths);
    expect(
      selectPromptContext(snapshot, { runId: RUN, stage: "builder", profile: "baseline" }).blocks,
    ).toEqual([]);
    for (const stage of ["planner", "analyst", "recon", "arbiter"]) {
      const result = selectPromptContext(snapshot, { runId: RUN, stage });
      expect(result.blocks, stage).toEqual([]);
      expect(result.selection.procedures.budget).toEqual({ max_items: 0, budget_characters: 0 });
    }
  });

  it("keeps the builder to workspace scope and filters by source stage", () => {
    const paths = tempWorkspace();
    const store = compoundingPaths(paths);
    writeProcedure(store, procedure(1, { source_stage: "checker" }));
    promoted(paths, "procedure", "proc.workspace.p0001");
    writeProcedure(store, procedure(2, { source_stage: "planner" }));
    promoted(paths, "procedure", "proc.workspace.p0002");
    const builder = next(paths, "builder");
    expect(builder.blocks).toEqual([]);
    expect(builder.selection.procedures.excluded_counts).toEqual({ source_stage_not_allowed: 2 });
    expect(next(paths, "checker").selection.procedures.selected_ids).toEqual(["proc.workspace.p0001"]);
    expect(next(paths, "updater").selection.procedures.selected_ids).toEqual(["proc.workspace.p0001"]);
  });

  it("offers a run's own candidates to later stages of that run only when asked", () => {
    const paths = tempWorkspace();
    const candidate = extractRunCandidate(completion());
    if (!candidate) throw new Error("no candidate");
    recordRunCandidate(paths, candidate);
    const snapshot = loadCompoundingSnapshot(paths);
    expect(selectPromptContext(snapshot, { runId: RUN, stage: "fixer" }).blocks).toEqual([]);
    const opted = selectPromptContext(snapshot, { runId: RUN, stage: "fixer", includeRunCandidates: true });
    expect(opted.selection.procedures.considered[0]).toMatchObject({
      selection_reason: "run_scope",
      decision: "selected",
      scope: "run",
    });
    const otherRun = selectPromptContext(snapshot, {
      runId: OTHER_RUN,
      stage: "fixer",
      includeRunCandidates: true,
    });
    expect(otherRun.selection.procedures.excluded_counts).toEqual({ other_run: 1 });
    const builder = selectPromptContext(snapshot, {
      runId: RUN,
      stage: "builder",
      includeRunCandidates: true,
    });
    expect(builder.selection.procedures.excluded_counts).toEqual({ scope_not_allowed: 1 });
  });
});

describe("selectPromptContext: trimming", () => {
  it("trims a long body at a line boundary with a marker and counts it", () => {
    const paths = tempWorkspace();
    const long = procedure(7, {
      source_stage: "builder",
      procedure_markdown: Array.from(
        { length: 200 },
        (_, l) => `- step ${l}: run the check and read its output`,
      ).join("\n"),
    });
    writeProcedure(compoundingPaths(paths), long);
    promoted(paths, "procedure", long.procedure_id);
    const result = next(paths, "builder");
    const body = result.blocks[0]?.body ?? "";
    expect(result.selection.procedures.considered[0]?.decision).toBe("truncated");
    expect(result.selection.procedures.truncated_count).toBe(1);
    expect(body.length).toBeLessThanOrEqual(2200);
    expect(body.endsWith("\n[… trimmed to fit the context budget]")).toBe(true);
    const kept = body.split("\n").filter((line) => line.startsWith("- step"));
    for (const line of kept) expect(line).toMatch(/^- step \d+: run the check and read its output$/);
  });
});

describe("selectPromptContext: budgets", () => {
  // Built once (600 fsync'd files): the tests below only read it.
  let shared: Paths | undefined;
  beforeAll(() => {
    shared = build(tempDir());
  });
  afterAll(() => {
    if (shared) rmSync(shared.root, { recursive: true, force: true });
  });
  const twoHundred = (): Paths => shared as Paths;

  function build(root: string): Paths {
    const paths = workspacePaths(root);
    const store = compoundingPaths(paths);
    for (let i = 0; i < 200; i += 1) {
      writeProcedure(store, procedure(i));
      promoted(paths, "procedure", procedure(i).procedure_id);
      const fact: ContextFact = {
        fact_id: `fact.f${i}`,
        scope: "workspace",
        lifecycle_state: "promoted",
        source_run_id: `run-${i}`,
        source_stage: ["builder", "checker", "consultant"][i % 3] ?? "builder",
        title: i % 10 === 0 ? `Database migrations ${i}` : `Fact ${i}`,
        statement: Array.from({ length: 3 + (i % 20) }, (_, l) => `statement line ${l} about fact ${i}`).join(
          "\n",
        ),
        summary: `Fact ${i} summary.`,
        tags: [],
        evidence_refs: [`millrace-agents/runs/run-${i}/report.md`],
        created_at: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace(".000Z", "Z"),
        observed_at: null,
        stale_reason: null,
        supersedes_fact_id: null,
      };
      writeFact(store, fact);
    }
    return paths;
  }

  it("keeps every stage within its item cap and character budget, deterministically, with 200 promoted procedures", () => {
    const paths = twoHundred();
    for (const profile of ["compounding", "governed_plus"] as const) {
      for (const [stage, rule] of Object.entries(DEFAULT_STAGE_RULES)) {
        const request = {
          runId: RUN,
          stage,
          profile,
          taskText: "Add database migrations for the orders table",
        };
        const first = selectPromptContext(loadCompoundingSnapshot(paths), request);
        const second = selectPromptContext(loadCompoundingSnapshot(paths), request);
        expect(second, `${profile} ${stage}`).toEqual(first);
        expect(CompoundingSelectionSchema.parse(first.selection)).toEqual(first.selection);
        const [proc, facts] = [first.selection.procedures, first.selection.facts];
        expect(proc.selected_ids.length, stage).toBeGreaterThan(0);
        expect(proc.selected_ids.length).toBeLessThanOrEqual(rule.procedures.maxItems);
        expect(proc.used_characters).toBeLessThanOrEqual(rule.procedures.budgetCharacters);
        expect(first.blocks[0]?.body.length).toBe(proc.used_characters);
        expect(proc.considered_count).toBeGreaterThan(proc.considered.length);
        if (profile === "governed_plus") {
          expect(facts.selected_ids.length).toBeLessThanOrEqual(rule.facts.maxItems);
          expect(facts.used_characters).toBeLessThanOrEqual(rule.facts.budgetCharacters);
          expect(proc.used_characters + facts.used_characters).toBeLessThanOrEqual(3200);
          expect(first.selection.injected_characters).toBe(proc.used_characters + facts.used_characters);
          if (facts.selected_ids.length > 0) expect(first.blocks[1]?.body.length).toBe(facts.used_characters);
        } else {
          expect(facts.considered_count).toBe(0);
          expect(first.blocks).toHaveLength(1);
        }
      }
    }
  });

  it("orders newest first, ranks facts that share words with the task first, and trims at a line boundary", () => {
    const paths = twoHundred();
    const snapshot = loadCompoundingSnapshot(paths);
    const result = selectPromptContext(snapshot, {
      runId: RUN,
      stage: "checker",
      profile: "governed_plus",
      taskText: "database migrations",
    });
    const proc = result.selection.procedures;
    // Newest checker-allowed procedures first (ids are created in order).
    expect(proc.considered[0]?.item_id).toBe("proc.workspace.p0199");
    const facts = result.selection.facts;
    expect(facts.considered[0]?.selection_reason).toBe("pattern_match");
    expect(facts.considered[0]?.item_id).toBe("fact.f190");
    expect(facts.considered.at(-1)?.selection_reason).toBe("broader_scope");
    const truncated = [...proc.considered, ...facts.considered].filter((c) => c.decision === "truncated");
    for (const block of result.blocks) {
      if (block.body.includes("[… trimmed to fit the context budget]")) {
        expect(block.body.endsWith("\n[… trimmed to fit the context budget]")).toBe(true);
      }
    }
    expect(truncated.length).toBe(proc.truncated_count + facts.truncated_count);
  });

  it("honours tighter per-stage rules passed in", () => {
    const paths = twoHundred();
    const rules = {
      builder: {
        sourceStages: ["builder"],
        procedures: { scopes: ["workspace" as const], maxItems: 1, budgetCharacters: 700 },
        facts: { scopes: ["workspace" as const], maxItems: 0, budgetCharacters: 0 },
      },
    };
    const result = selectPromptContext(loadCompoundingSnapshot(paths), {
      runId: RUN,
      stage: "builder",
      stageRules: rules,
    });
    expect(result.selection.procedures.selected_ids).toHaveLength(1);
    expect(result.blocks[0]?.body.length).toBeLessThanOrEqual(700);
    const tiny = selectPromptContext(loadCompoundingSnapshot(paths), {
      runId: RUN,
      stage: "builder",
      stageRules: {
        builder: { ...rules.builder, procedures: { ...rules.builder.procedures, budgetCharacters: 100 } },
      },
    });
    expect(tiny.blocks).toEqual([]);
    expect(tiny.selection.procedures.considered[0]?.decision).toBe("over_budget");
  });
});
