import { readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  compoundingPaths,
  extractLearningFact,
  extractRunCandidate,
  flushRunCandidates,
  loadCompoundingSnapshot,
  recordLearningFact,
  recordRunCandidate,
} from "../src/index.js";
import { completion, OTHER_RUN, RUN, tempWorkspace } from "./helpers.js";

const NOW = new Date("2026-04-28T12:00:00Z");

function seed(paths: ReturnType<typeof tempWorkspace>, runId = RUN) {
  const candidate = extractRunCandidate(completion({ runId }));
  if (!candidate) throw new Error("no candidate");
  const rel = recordRunCandidate(paths, candidate);
  return { candidate, rel };
}

describe("run candidates and flush", () => {
  it("stores a run candidate at procedures/<run_id>/<event>--<node>.json", () => {
    const paths = tempWorkspace();
    const { candidate, rel } = seed(paths);
    expect(rel).toBe(`millrace-agents/compounding/procedures/${RUN}/${candidate.fileName}`);
    const stored = JSON.parse(readFileSync(path.join(paths.root, rel), "utf8"));
    expect(stored.procedure_id).toBe(candidate.procedure.procedure_id);
  });

  it("copies the run's candidates to workspace scope with a candidate record, once", () => {
    const paths = tempWorkspace();
    const { candidate } = seed(paths);
    seed(paths, OTHER_RUN);
    const first = flushRunCandidates(paths, { runId: RUN, milestone: "run_closeout", now: NOW });
    const wsId = candidate.procedure.procedure_id.replace("proc.run.", "proc.workspace.");
    expect(first.flushed).toEqual([wsId]);
    const snapshot = loadCompoundingSnapshot(paths);
    const ws = snapshot.procedures.filter((p) => p.value.scope === "workspace");
    expect(ws.map((p) => p.value.procedure_id)).toEqual([wsId]);
    expect(ws[0]?.value.evidence_refs).toContain(
      `millrace-agents/compounding/procedures/${RUN}/${candidate.fileName}`,
    );
    expect(snapshot.lifecycle.map((l) => l.value)).toEqual([
      expect.objectContaining({
        procedure_id: wsId,
        state: "candidate",
        scope: "workspace",
        changed_by: "runtime.compounding.run_closeout",
        changed_at: "2026-04-28T12:00:00Z",
      }),
    ]);
    const again = flushRunCandidates(paths, { runId: RUN, milestone: "run_closeout", now: NOW });
    expect(again).toEqual({ milestone: "run_closeout", flushed: [], alreadyFlushed: [wsId] });
    expect(readdirSync(compoundingPaths(paths).lifecycle)).toHaveLength(1);
  });

  it("hands a journaling caller every file it writes (path and exact text), and nothing already there", () => {
    const paths = tempWorkspace();
    const journaled: Array<{ file: string; text: string }> = [];
    const writes = { journal: (file: string, text: string) => journaled.push({ file, text }) };
    const candidate = extractRunCandidate(completion());
    if (!candidate) throw new Error("no candidate");
    const rel = recordRunCandidate(paths, candidate, writes);
    const fact = extractLearningFact(completion({ stage: "learner", terminalResult: "LEARNING_COMPLETE" }));
    if (fact) recordLearningFact(paths, fact, writes);
    const result = flushRunCandidates(paths, { runId: RUN, milestone: "run_closeout", now: NOW, writes });
    expect(result.flushed).toHaveLength(1);
    const store = compoundingPaths(paths);
    const expected = [
      path.join(paths.root, rel),
      path.join(store.procedures, `${result.flushed[0]}.json`),
      ...readdirSync(store.lifecycle).map((name) => path.join(store.lifecycle, name)),
    ];
    expect(journaled.map((entry) => entry.file)).toEqual(expect.arrayContaining(expected));
    for (const { file, text } of journaled) expect(readFileSync(file, "utf8")).toBe(text);
    // A second flush finds everything in place: nothing written, nothing handed over.
    const before = journaled.length;
    flushRunCandidates(paths, { runId: RUN, milestone: "run_closeout", now: NOW, writes });
    expect(journaled.length).toBe(before);
  });

  it("finishes a flush that was killed between the procedure and its record", () => {
    const paths = tempWorkspace();
    seed(paths);
    flushRunCandidates(paths, { runId: RUN, milestone: "stage_success", now: NOW });
    const lifecycle = compoundingPaths(paths).lifecycle;
    for (const name of readdirSync(lifecycle)) rmSync(path.join(lifecycle, name));
    const result = flushRunCandidates(paths, { runId: RUN, milestone: "run_closeout", now: NOW });
    expect(result.flushed).toHaveLength(1);
    expect(
      loadCompoundingSnapshot(paths).procedures.filter((p) => p.value.scope === "workspace"),
    ).toHaveLength(1);
  });

  it("stores a learning fact once; a replay never resets it", () => {
    const paths = tempWorkspace();
    const fact = extractLearningFact(completion({ stage: "analyst", terminalResult: "ANALYST_COMPLETE" }));
    if (!fact) throw new Error("no fact");
    expect(recordLearningFact(paths, fact).written).toBe(true);
    const second = recordLearningFact(paths, { ...fact, title: "changed" });
    expect(second).toEqual({
      path: `millrace-agents/compounding/context_facts/${fact.fact_id}.json`,
      written: false,
    });
    expect(loadCompoundingSnapshot(paths).facts[0]?.value.title).toBe(fact.title);
  });
});
