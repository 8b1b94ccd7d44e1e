import { readdirSync } from "node:fs";
import { CompoundingItemDetailSchema, LifecycleChangeSchema, MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import {
  compoundingPaths,
  deprecateItem,
  extractLearningFact,
  extractRunCandidate,
  flushRunCandidates,
  listProcedures,
  promoteItem,
  recordLearningFact,
  recordRunCandidate,
  showItem,
} from "../src/index.js";
import { completion, tempWorkspace } from "./helpers.js";

const NOW = new Date("2026-04-28T12:00:00Z");

function flushed(paths: ReturnType<typeof tempWorkspace>, count = 1): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const candidate = extractRunCandidate(completion());
    if (!candidate) throw new Error("no candidate");
    recordRunCandidate(paths, candidate);
    ids.push(candidate.procedure.procedure_id.replace("proc.run.", "proc.workspace."));
  }
  flushRunCandidates(paths, { runId: completion().runId, milestone: "run_closeout", now: NOW });
  return ids;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return MillraceError.isInstance(error) ? error.code : "not a MillraceError";
  }
  return undefined;
}

describe("promote and deprecate", () => {
  it("records a promotion with issuer and reason, idempotently", () => {
    const paths = tempWorkspace();
    const [id = ""] = flushed(paths);
    const first = promoteItem(paths, {
      kind: "procedure",
      id,
      issuer: "cli",
      reason: "verified twice",
      now: NOW,
    });
    expect(LifecycleChangeSchema.parse(first)).toEqual(first);
    expect(first).toMatchObject({ applied: true, state: "promoted", item_id: id });
    expect(first.record).toMatchObject({
      changed_by: "cli",
      reason: "verified twice",
      state: "promoted",
      record_id: `lc.procedure.${id}.0002`,
    });
    const again = promoteItem(paths, { kind: "procedure", id, issuer: "cli", reason: "again", now: NOW });
    expect(again).toEqual({
      applied: false,
      item_kind: "procedure",
      item_id: id,
      state: "promoted",
      record: null,
    });
    expect(readdirSync(compoundingPaths(paths).lifecycle)).toHaveLength(2);
    expect(listProcedures(paths).find((p) => p.item_id === id)?.status).toBe("eligible");
  });

  it("deprecates with a replacement; the same replacement again is a no-op, a new one is a change", () => {
    const paths = tempWorkspace();
    const [a = "", b = "", c = ""] = flushed(paths, 3);
    promoteItem(paths, { kind: "procedure", id: a, issuer: "cli", reason: "ok", now: NOW });
    const dep = deprecateItem(paths, {
      kind: "procedure",
      id: a,
      issuer: "supervisor:ops",
      reason: "outdated",
      replacementId: b,
      now: NOW,
    });
    expect(dep.record).toMatchObject({
      state: "deprecated",
      replacement_procedure_id: b,
      changed_by: "supervisor:ops",
    });
    expect(
      deprecateItem(paths, {
        kind: "procedure",
        id: a,
        issuer: "cli",
        reason: "x",
        replacementId: b,
        now: NOW,
      }).applied,
    ).toBe(false);
    expect(
      deprecateItem(paths, {
        kind: "procedure",
        id: a,
        issuer: "cli",
        reason: "x",
        replacementId: c,
        now: NOW,
      }).applied,
    ).toBe(true);
    const detail = showItem(paths, "procedure", a);
    expect(CompoundingItemDetailSchema.parse(detail)).toEqual(detail);
    expect(detail.status).toBe("deprecated");
    expect(detail.lifecycle.map((r) => r.state)).toEqual([
      "candidate",
      "promoted",
      "deprecated",
      "deprecated",
    ]);
  });

  it("refuses bad requests with a code and writes nothing", () => {
    const paths = tempWorkspace();
    const [id = ""] = flushed(paths);
    const base = { kind: "procedure" as const, id, issuer: "cli", reason: "why", now: NOW };
    expect(codeOf(() => promoteItem(paths, { ...base, reason: "  " }))).toBe("usage_invalid_argument");
    expect(codeOf(() => promoteItem(paths, { ...base, issuer: "" }))).toBe("usage_invalid_argument");
    expect(codeOf(() => promoteItem(paths, { ...base, id: "proc.workspace.nope" }))).toBe(
      "compounding_item_not_found",
    );
    expect(codeOf(() => promoteItem(paths, { ...base, id: "../x" }))).toBe("invalid_id");
    expect(codeOf(() => deprecateItem(paths, { ...base, replacementId: "proc.workspace.nope" }))).toBe(
      "compounding_item_not_found",
    );
    expect(codeOf(() => deprecateItem(paths, { ...base, replacementId: id }))).toBe("usage_invalid_argument");
    const runId = id.replace("proc.workspace.", "proc.run.");
    expect(codeOf(() => promoteItem(paths, { ...base, id: runId }))).toBe("usage_invalid_argument");
    expect(readdirSync(compoundingPaths(paths).lifecycle)).toHaveLength(1);
  });

  it("governs context facts through lifecycle records too", () => {
    const paths = tempWorkspace();
    const fact = extractLearningFact(
      completion({ stage: "professor", terminalResult: "PROFESSOR_COMPLETE" }),
    );
    if (!fact) throw new Error("no fact");
    recordLearningFact(paths, fact);
    expect(showItem(paths, "fact", fact.fact_id).status).toBe("stale");
    const change = promoteItem(paths, {
      kind: "fact",
      id: fact.fact_id,
      issuer: "cli",
      reason: "true",
      now: NOW,
    });
    expect(change.record).toMatchObject({ fact_id: fact.fact_id, procedure_id: null });
    expect(showItem(paths, "fact", fact.fact_id).status).toBe("eligible");
    expect(codeOf(() => showItem(paths, "procedure", fact.fact_id))).toBe("compounding_item_not_found");
  });
});
