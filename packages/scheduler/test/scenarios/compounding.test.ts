import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  compoundingPaths,
  listProcedures,
  loadCompoundingSnapshot,
  selectPromptContext,
} from "@millrace/compounding";
import { describe, expect, it } from "vitest";
import { controlWorkspace, showRun } from "../../src/index.js";
import { runChild } from "../crash/harness.js";
import { enqueueTask, runUntilIdle } from "../fixtures.js";
import { eventsOfType, readJson, scenarioWorkspace } from "./helpers.js";

const BUILDER_NOTE = [
  "# Run make check before committing",
  "",
  "The repository's make check target runs lint and the unit tests together.",
  "",
  "- run `make check` from the repository root",
  "- fix lint findings first; the tests assume a clean tree",
].join("\n");

function builderScript(text = BUILDER_NOTE) {
  return {
    rules: [
      {
        stage: "builder",
        actions: [
          { type: "print" as const, text },
          { type: "marker" as const, token: "BUILDER_COMPLETE" },
        ],
      },
    ],
  };
}

/** The run of a work item's builder stage and that stage's request id. */
function builderRun(ws: ReturnType<typeof scenarioWorkspace>, taskId: string) {
  const event = eventsOfType(ws, "stage_completed").find(
    (e) => e.data.stage === "builder" && e.data.work_item_id === taskId,
  );
  if (!event) throw new Error(`no builder stage for ${taskId}`);
  return { runId: String(event.data.run_id), requestId: String(event.data.request_id) };
}

function builderPrompt(ws: ReturnType<typeof scenarioWorkspace>, taskId: string): string {
  const { runId, requestId } = builderRun(ws, taskId);
  return readFileSync(path.join(ws.paths.runs, runId, `runner_prompt.${requestId}.md`), "utf8");
}

function workspaceProcedureIds(ws: ReturnType<typeof scenarioWorkspace>): string[] {
  const dir = compoundingPaths(ws.paths).procedures;
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => name.slice(0, -".json".length));
}

function govern(
  ws: ReturnType<typeof scenarioWorkspace>,
  command: "promote_compounding_item" | "deprecate_compounding_item",
  id: string,
) {
  return controlWorkspace(
    ws.root,
    command,
    { item_kind: "procedure", item_id: id, reason: "checked by hand" },
    { issuer: "test-operator" },
  );
}

describe("governed compounding in the engine", () => {
  it("extracts, flushes as candidate, injects only after promote, and stops after deprecate", async () => {
    const ws = scenarioWorkspace(builderScript());
    enqueueTask(ws, "task-a");
    await runUntilIdle(ws);

    // The builder's success left a run candidate; the checker's pass flushed it as a workspace candidate.
    const first = builderRun(ws, "task-a");
    const candidates = eventsOfType(ws, "compounding_candidate_recorded");
    expect(candidates.map((e) => e.data.stage)).toEqual(["builder"]);
    expect(candidates[0]?.data.procedure_id).toBe(`proc.run.${first.runId}.${first.requestId}.builder`);
    const flushed = eventsOfType(ws, "compounding_candidates_flushed");
    expect(flushed.map((e) => e.data.milestone)).toEqual(["stage_success"]);
    const id = `proc.workspace.${first.runId}.${first.requestId}.builder`;
    expect(workspaceProcedureIds(ws)).toEqual([id]);
    expect(listProcedures(ws.paths).find((p) => p.item_id === id)?.status).toBe("stale");
    expect(builderPrompt(ws, "task-a")).not.toContain("Injected reusable procedures");

    // A pending candidate is not injected: the next builder only records that it was filtered out.
    enqueueTask(ws, "task-b");
    await runUntilIdle(ws);
    expect(builderPrompt(ws, "task-b")).not.toContain("make check");
    const pending = showRun(ws.root, builderRun(ws, "task-b").runId).compounding.selections;
    expect(pending[0]?.selection.procedures.excluded_counts).toMatchObject({ not_promoted: 1 });

    const promoted = govern(ws, "promote_compounding_item", id);
    expect(promoted).toMatchObject({ action: "promote_compounding_item", mode: "direct", applied: true });
    expect(govern(ws, "promote_compounding_item", id).applied).toBe(false);
    expect(eventsOfType(ws, "compounding_item_governed").map((e) => e.data.applied)).toEqual([true, false]);

    enqueueTask(ws, "task-c");
    await runUntilIdle(ws);
    const prompt = builderPrompt(ws, "task-c");
    expect(prompt).toContain("Injected reusable procedures:");
    expect(prompt).toContain("Run make check before committing");
    const third = builderRun(ws, "task-c");
    const detail = showRun(ws.root, third.runId);
    const builderSelection = detail.compounding.selections.find((s) => s.request_id === third.requestId);
    expect(builderSelection?.selection.procedures.selected_ids).toEqual([id]);
    expect(builderSelection?.selection.injected_characters).toBeLessThanOrEqual(2200);
    expect(builderSelection?.path).toBe(
      `millrace-agents/runs/${third.runId}/compounding_selection/${third.requestId}.json`,
    );
    expect(eventsOfType(ws, "compounding_context_injected").map((e) => e.data.selected_ids)).toContainEqual([
      id,
    ]);
    // The builder and the checker (which learns from builders) were given it; both succeeded on
    // their first try, and the listing says so.
    const effectiveness = listProcedures(ws.paths).find((p) => p.item_id === id)?.effectiveness;
    expect(effectiveness).toMatchObject({ injected: 2, with_outcome: 2, succeeded_first_time: 2 });

    expect(govern(ws, "deprecate_compounding_item", id).applied).toBe(true);
    enqueueTask(ws, "task-d");
    await runUntilIdle(ws);
    expect(builderPrompt(ws, "task-d")).not.toContain("Run make check before committing");
    const fourth = builderRun(ws, "task-d");
    const after = showRun(ws.root, fourth.runId).compounding.selections.find(
      (s) => s.request_id === fourth.requestId,
    );
    expect(after?.selection.procedures.selected_ids).toEqual([]);
    expect(after?.selection.procedures.excluded_counts).toMatchObject({ deprecated: 1 });
  });

  it("keeps every stage within its budget and item cap with many promoted procedures, deterministically", async () => {
    const long = `# A long note\n\n${"Use the fixture helpers for every test; they clean up after themselves.\n".repeat(80)}`;
    const ws = scenarioWorkspace(builderScript(long));
    for (const n of [1, 2, 3, 4]) enqueueTask(ws, `task-${n}`);
    await runUntilIdle(ws);
    for (const id of workspaceProcedureIds(ws)) govern(ws, "promote_compounding_item", id);
    enqueueTask(ws, "task-z");
    await runUntilIdle(ws);
    const { runId } = builderRun(ws, "task-z");
    const selections = showRun(ws.root, runId).compounding.selections;
    expect(selections.map((s) => s.selection.stage)).toEqual(["builder", "checker", "updater"]);
    for (const { selection } of selections) {
      const family = selection.procedures;
      expect(family.selected_ids.length).toBeLessThanOrEqual(family.budget.max_items);
      expect(family.used_characters).toBeLessThanOrEqual(family.budget.budget_characters);
    }
    const [builder, checker, updater] = selections.map((s) => s.selection.procedures);
    // Four procedures longer than the whole budget: the newest is trimmed to fit, the rest are left out.
    expect(builder?.selected_ids).toHaveLength(1);
    expect(builder?.truncated_count).toBe(1);
    expect(builder?.considered.map((c) => c.decision)).toEqual([
      "truncated",
      "over_budget",
      "over_budget",
      "over_budget",
    ]);
    expect(checker?.selected_ids.length).toBeGreaterThan(0);
    // The updater learns only from reviews and recoveries, never from builders.
    expect(updater?.selected_ids).toEqual([]);
    expect(updater?.excluded_counts.source_stage_not_allowed).toBeGreaterThan(0);
    // Deterministic: selecting again over the same stores gives the same record.
    const again = selectPromptContext(loadCompoundingSnapshot(ws.paths), {
      runId: "run-other",
      stage: "builder",
    });
    expect(again.selection.procedures.selected_ids).toEqual(builder?.selected_ids);
    // Each builder prompt holds the block, and the block is what the record measured.
    const prompt = builderPrompt(ws, "task-z");
    const block = prompt.slice(prompt.indexOf("Injected reusable procedures:"));
    expect(block.length).toBeGreaterThan(0);
  });

  it("a baseline profile injects nothing and writes no selection record", async () => {
    const ws = scenarioWorkspace(builderScript(), '\n[compounding]\nprofile = "baseline"\n');
    enqueueTask(ws, "task-a");
    await runUntilIdle(ws);
    const id = workspaceProcedureIds(ws)[0] as string;
    govern(ws, "promote_compounding_item", id);
    enqueueTask(ws, "task-b");
    await runUntilIdle(ws);
    const { runId } = builderRun(ws, "task-b");
    expect(builderPrompt(ws, "task-b")).not.toContain("Injected reusable procedures");
    expect(existsSync(path.join(ws.paths.runs, runId, "compounding_selection"))).toBe(false);
  });

  it("hostile store files are skipped and the stage still runs", async () => {
    const ws = scenarioWorkspace(builderScript());
    enqueueTask(ws, "task-a");
    await runUntilIdle(ws);
    const id = workspaceProcedureIds(ws)[0] as string;
    govern(ws, "promote_compounding_item", id);
    const dir = compoundingPaths(ws.paths).procedures;
    symlinkSync("/etc/passwd", path.join(dir, "proc.workspace.link.json"));
    writeFileSync(path.join(dir, "proc.workspace.huge.json"), `"${"x".repeat(2 * 1024 * 1024)}"`);
    const escaped = {
      ...readJson(path.join(dir, `${id}.json`)),
      procedure_id: "proc.workspace.esc",
      title: "\u001b[2Jgone",
    };
    writeFileSync(path.join(dir, "proc.workspace.esc.json"), JSON.stringify(escaped));
    execFileSync("mkfifo", [path.join(dir, "proc.workspace.fifo.json")]);
    enqueueTask(ws, "task-b");
    await runUntilIdle(ws);
    const prompt = builderPrompt(ws, "task-b");
    expect(prompt).toContain("Run make check before committing");
    expect(prompt).not.toContain("\u001b");
    expect(eventsOfType(ws, "compounding_update_failed")).toEqual([]);
  });

  it("store files the engine wrote ride its journal: torn after their step committed, the next start rebuilds them", async () => {
    const ws = scenarioWorkspace(builderScript());
    enqueueTask(ws, "task-a");
    enqueueTask(ws, "task-b");
    // Killed right after the updater's result of task-a is written: the checker's step (its flush:
    // a workspace copy and its lifecycle record) and the builder's (the run candidate) are committed.
    const killed = await runChild(ws.root, { MILLRACE_CRASH_AT: "rename:/stage_results/@3" });
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    const store = compoundingPaths(ws.paths);
    const { runId } = builderRun(ws, "task-a");
    const written = [
      ...readdirSync(path.join(store.procedures, runId)).map((name) =>
        path.join(store.procedures, runId, name),
      ),
      ...readdirSync(store.procedures)
        .filter((name) => name.endsWith(".json"))
        .map((name) => path.join(store.procedures, name)),
      ...readdirSync(store.lifecycle).map((name) => path.join(store.lifecycle, name)),
    ].filter((file) => file.endsWith(".json"));
    expect(written.length).toBeGreaterThanOrEqual(3);
    // What a power loss can leave of files written without their own fsync: torn. (The selection
    // records and usage files are written as a stage starts and flushed on their own.)
    const whole = new Map(written.map((file) => [file, readFileSync(file, "utf8")]));
    for (const file of written) truncateSync(file, 7);
    const finished = await runChild(ws.root);
    expect(finished.code, finished.stderr).toBe(0);
    for (const [file, text] of whole) expect(readFileSync(file, "utf8"), file).toBe(text);
    expect(loadCompoundingSnapshot(ws.paths).problems).toEqual([]);
  });
});
