import { ContextFactSchema, MillraceError, ReusableProcedureSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import {
  extractLearningFact,
  extractRunCandidate,
  flushMilestoneFor,
  yieldsCandidate,
} from "../src/index.js";
import { completion, RUN } from "./helpers.js";

describe("extractRunCandidate", () => {
  it("turns a builder success's final message into a run-scoped candidate without the marker", () => {
    const input = completion();
    const candidate = extractRunCandidate(input);
    expect(candidate).not.toBeNull();
    const procedure = candidate?.procedure;
    expect(ReusableProcedureSchema.parse(procedure)).toEqual(procedure);
    expect(procedure).toMatchObject({
      procedure_id: `proc.run.${RUN}.${input.requestId}.builder`,
      scope: "run",
      source_run_id: RUN,
      source_stage: "builder",
      title: "Run the integration suite with the local database",
      summary: "The integration tests need DATABASE_URL pointing at the docker database; start it first.",
      tags: ["builder"],
      evidence_refs: input.evidenceRefs,
      created_at: "2026-04-28T10:00:00Z",
      supersedes_procedure_id: null,
    });
    expect(procedure?.procedure_markdown).not.toContain("BUILDER_COMPLETE");
    expect(procedure?.procedure_markdown).toContain("npm run test:integration");
    expect(candidate?.fileName).toBe(`${input.requestId}--builder.json`);
  });

  it("covers the successful transitions of our execution graphs and nothing else", () => {
    const yes: [string, string][] = [
      ["builder", "BUILDER_COMPLETE"],
      ["fixer", "FIXER_COMPLETE"],
      ["checker", "CHECKER_PASS"],
      ["doublechecker", "DOUBLECHECK_PASS"],
      ["troubleshooter", "TROUBLESHOOT_COMPLETE"],
      ["consultant", "CONSULT_COMPLETE"],
    ];
    for (const [stage, result] of yes) expect(yieldsCandidate(stage, result), stage).toBe(true);
    const no: [string, string][] = [
      ["builder", "BLOCKED"],
      ["checker", "FIX_NEEDED"],
      ["updater", "UPDATE_COMPLETE"],
      ["consultant", "NEEDS_PLANNING"],
      ["planner", "PLANNER_COMPLETE"],
    ];
    for (const [stage, result] of no) {
      expect(
        extractRunCandidate(completion({ stage, terminalResult: result })),
        `${stage} ${result}`,
      ).toBeNull();
    }
  });

  it("falls back to stdout, then stderr, and yields nothing for an empty message", () => {
    const fromStdout = extractRunCandidate(
      completion({ finalMessage: "  \n### BUILDER_COMPLETE\n", stdout: "Used pnpm filters\n" }),
    );
    expect(fromStdout?.procedure.title).toBe("Used pnpm filters");
    const fromStderr = extractRunCandidate(
      completion({ finalMessage: null, stdout: "", stderr: "warned about X" }),
    );
    expect(fromStderr?.procedure.summary).toBe("warned about X");
    expect(
      extractRunCandidate(completion({ finalMessage: "### BUILDER_COMPLETE", stdout: null })),
    ).toBeNull();
  });

  it("caps the stored body at a line boundary and marks it", () => {
    const long = Array.from({ length: 400 }, (_, i) => `line ${i} of a long report`).join("\n");
    const procedure = extractRunCandidate(completion({ finalMessage: long }), {
      maxBodyCharacters: 500,
    })?.procedure;
    expect(procedure?.procedure_markdown.length).toBeLessThanOrEqual(500);
    expect(procedure?.procedure_markdown.endsWith("[… truncated]")).toBe(true);
  });

  it("refuses ids that are unsafe as file names", () => {
    expect(() => extractRunCandidate(completion({ requestId: "../escape" }))).toThrowError(MillraceError);
    expect(() => extractRunCandidate(completion({ nodeId: "a/b" }))).toThrowError(/node id .* not a safe id/);
  });
});

describe("extractLearningFact", () => {
  it("makes a workspace candidate fact with its evidence refs from an Analyst finding", () => {
    const fact = extractLearningFact(
      completion({
        stage: "analyst",
        terminalResult: "ANALYST_COMPLETE",
        finalMessage: "# Flaky port binding\n\nTests fail when port 5432 is taken.\n\n### ANALYST_COMPLETE",
        evidenceRefs: ["millrace-agents/learning/research-packets/p1.md"],
      }),
    );
    expect(ContextFactSchema.parse(fact)).toEqual(fact);
    expect(fact).toMatchObject({
      scope: "workspace",
      lifecycle_state: "candidate",
      source_stage: "analyst",
      title: "Flaky port binding",
      summary: "Tests fail when port 5432 is taken.",
      evidence_refs: ["millrace-agents/learning/research-packets/p1.md"],
    });
    expect(fact?.fact_id.startsWith(`fact.learning.${RUN}.`)).toBe(true);
    expect(extractLearningFact(completion({ stage: "curator", terminalResult: "CURATOR_NOOP" }))).toBeNull();
    expect(
      extractLearningFact(completion({ stage: "professor", terminalResult: "PROFESSOR_COMPLETE" })),
    ).not.toBeNull();
  });
});

describe("flushMilestoneFor", () => {
  it("names the closing checkpoints", () => {
    expect(flushMilestoneFor("updater", "UPDATE_COMPLETE")).toBe("run_closeout");
    expect(flushMilestoneFor("checker", "CHECKER_PASS")).toBe("stage_success");
    expect(flushMilestoneFor("doublechecker", "DOUBLECHECK_PASS")).toBe("stage_success");
    expect(flushMilestoneFor("troubleshooter", "TROUBLESHOOT_COMPLETE")).toBe("recovery_success");
    expect(flushMilestoneFor("consultant", "CONSULT_COMPLETE")).toBe("recovery_success");
    expect(flushMilestoneFor("builder", "BUILDER_COMPLETE")).toBeNull();
  });
});
