import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type RunnerRawResult, RunnerRawResultSchema, StageResultEnvelopeSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { normalizeStageResult } from "../src/index.js";
import { createStageFixture, type StageFixture } from "../src/testing/index.js";

function raw(fx: StageFixture, fields: Partial<RunnerRawResult> = {}): RunnerRawResult {
  return RunnerRawResultSchema.parse({
    request_id: fx.request.request_id,
    run_id: fx.request.run_id,
    stage: fx.request.stage,
    runner_name: "test",
    exit_kind: "completed",
    exit_code: 0,
    started_at: "2026-04-28T10:00:00Z",
    ended_at: "2026-04-28T10:00:02.5Z",
    ...fields,
  });
}

function withStdout(fx: StageFixture, text: string): Partial<RunnerRawResult> {
  const file = path.join(fx.runDir, "stdout.txt");
  writeFileSync(file, text);
  return { stdout_path: file };
}

function withResultFile(fx: StageFixture, value: unknown): Partial<RunnerRawResult> {
  const file = path.join(fx.runDir, "millrace_result.x.json");
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  return { terminal_result_path: file };
}

describe("normalizeStageResult: success", () => {
  it("reads the stdout marker, fills every metadata key, and validates against the schema", () => {
    const fx = createStageFixture("checker");
    const envelope = normalizeStageResult(fx.request, raw(fx, withStdout(fx, "done\n### FIX_NEEDED\n")));
    expect(StageResultEnvelopeSchema.parse(envelope)).toBeTruthy();
    expect(envelope).toMatchObject({
      terminal_result: "FIX_NEEDED",
      result_class: "followup_needed",
      summary_status_marker: "### FIX_NEEDED",
      success: false,
      retryable: false,
      exit_code: 0,
      duration_seconds: 2.5,
      work_item_kind: "task",
      work_item_id: "task-demo-001",
      detected_marker: "### FIX_NEEDED",
    });
    expect(Object.keys(envelope.metadata).sort()).toEqual(
      [
        "closure_target_root_idea_id",
        "closure_target_root_spec_id",
        "compiled_plan_id",
        "failure_class",
        "mode_id",
        "model_reasoning_effort",
        "normalization_source",
        "preferred_report_path",
        "preferred_rubric_path",
        "preferred_verdict_path",
        "raw_exit_code",
        "raw_exit_kind",
        "request_id",
        "request_kind",
        "runner_failure_class",
        "session_id",
        "skill_revision_evidence_path",
        "thinking_level",
        "timeout_reconciled",
        "valid_terminal_result",
      ].sort(),
    );
  });

  it("keeps the thinking level the stage ran with, on the envelope and in its metadata", () => {
    const fx = createStageFixture("checker", { thinking_level: "minimal" });
    const envelope = normalizeStageResult(fx.request, raw(fx, withStdout(fx, "### CHECKER_PASS\n")));
    expect(StageResultEnvelopeSchema.parse(envelope).thinking_level).toBe("minimal");
    expect(envelope.metadata.thinking_level).toBe("minimal");
    const unset = createStageFixture("checker");
    const plain = normalizeStageResult(unset.request, raw(unset, withStdout(unset, "### CHECKER_PASS\n")));
    expect(plain.thinking_level).toBeNull();
  });

  it("maps BLOCKED to the blocked class and repeats of one token are fine", () => {
    const fx = createStageFixture("builder");
    const envelope = normalizeStageResult(
      fx.request,
      raw(fx, withStdout(fx, "### BLOCKED\n  ### BLOCKED  \n")),
    );
    expect(envelope.result_class).toBe("blocked");
    expect(envelope.metadata.valid_terminal_result).toBe(true);
  });

  it("records the troubleshoot report when it exists inside the run folder", () => {
    const fx = createStageFixture("troubleshooter");
    writeFileSync(fx.request.preferred_troubleshoot_report_path as string, "# report\n");
    const envelope = normalizeStageResult(fx.request, raw(fx, withStdout(fx, "### TROUBLESHOOT_COMPLETE\n")));
    expect(envelope.report_artifact).toBe(fx.request.preferred_troubleshoot_report_path);
    expect(envelope.artifact_paths).toContain(fx.request.preferred_troubleshoot_report_path);
  });

  it("projects closure-target results onto the root spec", () => {
    const fx = createStageFixture("arbiter", {
      plane: "planning",
      request_kind: "closure_target",
      active_work_item_kind: null,
      active_work_item_id: null,
      active_work_item_path: null,
      closure_target_path: "/w/t.json",
      closure_target_root_spec_id: "spec-root",
      closure_target_root_idea_id: "idea-root",
      canonical_root_spec_path: "/w/spec.md",
      canonical_seed_idea_path: "/w/idea.md",
      preferred_rubric_path: "/w/rubric.md",
      preferred_verdict_path: "/w/verdict.json",
      preferred_report_path: "/w/report.md",
    });
    const envelope = normalizeStageResult(fx.request, raw(fx, withStdout(fx, "### ARBITER_COMPLETE\n")));
    expect(envelope.work_item_kind).toBe("spec");
    expect(envelope.work_item_id).toBe("spec-root");
    expect(envelope.metadata.closure_target_root_idea_id).toBe("idea-root");
  });

  it("notes a reconciled timeout", () => {
    const fx = createStageFixture("builder");
    const envelope = normalizeStageResult(
      fx.request,
      raw(fx, {
        ...withStdout(fx, "### BUILDER_COMPLETE\n"),
        observed_exit_kind: "timeout",
        observed_exit_code: 124,
      }),
    );
    expect(envelope.metadata.timeout_reconciled).toBe(true);
    expect(envelope.notes.join(" ")).toContain("reconciled");
  });

  it("reads a structured result file with class, summary artifacts and metadata", () => {
    const fx = createStageFixture("builder");
    writeFileSync(path.join(fx.runDir, "builder_summary.md"), "ok");
    const envelope = normalizeStageResult(
      fx.request,
      raw(
        fx,
        withResultFile(fx, {
          terminal_result: "BLOCKED",
          result_class: "recoverable_failure",
          summary_artifact_paths: ["builder_summary.md"],
          metadata: { resume_stage: "builder" },
        }),
      ),
    );
    expect(envelope.result_class).toBe("recoverable_failure");
    expect(envelope.metadata.normalization_source).toBe("structured_result_file");
    expect(envelope.metadata.stage_metadata).toEqual({ resume_stage: "builder" });
    expect(envelope.artifact_paths).toEqual([path.join(fx.runDir, "builder_summary.md")]);
  });
});

describe("normalizeStageResult: every failure class", () => {
  const cases: [string, (fx: StageFixture) => Partial<RunnerRawResult>, string][] = [
    [
      "identity mismatch",
      (fx) => ({ ...withStdout(fx, "### BUILDER_COMPLETE\n"), request_id: "request-other" }),
      "runner_transport_failure",
    ],
    [
      "stage mismatch",
      (fx) => ({ ...withStdout(fx, "### BUILDER_COMPLETE\n"), stage: "checker" }),
      "runner_transport_failure",
    ],
    [
      "timeout",
      (fx) => ({ ...withStdout(fx, "### BUILDER_COMPLETE\n"), exit_kind: "timeout", exit_code: 124 }),
      "runner_timeout",
    ],
    ["provider error", () => ({ exit_kind: "provider_error", exit_code: 1 }), "provider_failure"],
    ["runner error", () => ({ exit_kind: "runner_error", exit_code: 127 }), "runner_transport_failure"],
    ["interrupted", () => ({ exit_kind: "interrupted", exit_code: 130 }), "runner_transport_failure"],
    [
      "completed with non-zero exit",
      (fx) => ({ ...withStdout(fx, "### BUILDER_COMPLETE\n"), exit_code: 2 }),
      "runner_transport_failure",
    ],
    ["no stdout path", () => ({}), "missing_terminal_result"],
    [
      "stdout file missing",
      (fx) => ({ stdout_path: path.join(fx.runDir, "nope.txt") }),
      "missing_terminal_result",
    ],
    [
      "stdout unreadable",
      (fx) => {
        const dir = path.join(fx.runDir, "a-dir");
        mkdirSync(dir);
        return { stdout_path: dir };
      },
      "runner_transport_failure",
    ],
    ["no marker", (fx) => withStdout(fx, "done, no marker\n"), "missing_terminal_result"],
    [
      "marker not alone on its line",
      (fx) => withStdout(fx, "I print ### BUILDER_COMPLETE inline\n"),
      "missing_terminal_result",
    ],
    ["illegal marker", (fx) => withStdout(fx, "### CHECKER_PASS\n"), "illegal_terminal_result"],
    ["running marker", (fx) => withStdout(fx, "### BUILDER_RUNNING\n"), "illegal_terminal_result"],
    [
      "two markers",
      (fx) => withStdout(fx, "### BUILDER_COMPLETE\n### BLOCKED\n"),
      "conflicting_terminal_results",
    ],
    [
      "idle plus marker",
      (fx) => withStdout(fx, "### IDLE\n### BUILDER_COMPLETE\n"),
      "conflicting_terminal_results",
    ],
    [
      "structured file missing",
      (fx) => ({ terminal_result_path: path.join(fx.runDir, "millrace_result.json") }),
      "missing_terminal_result",
    ],
    ["structured file not JSON", (fx) => withResultFile(fx, "{nope"), "illegal_terminal_result"],
    ["structured file not an object", (fx) => withResultFile(fx, "[1]"), "illegal_terminal_result"],
    [
      "structured file unknown key",
      (fx) => withResultFile(fx, { terminal_result: "BUILDER_COMPLETE", extra: 1 }),
      "illegal_terminal_result",
    ],
    [
      "structured stage mismatch",
      (fx) => withResultFile(fx, { stage: "checker", terminal_result: "BUILDER_COMPLETE" }),
      "illegal_terminal_result",
    ],
    [
      "structured illegal outcome",
      (fx) => withResultFile(fx, { terminal_result: "CHECKER_PASS" }),
      "illegal_terminal_result",
    ],
    [
      "structured bad class",
      (fx) => withResultFile(fx, { terminal_result: "BUILDER_COMPLETE", result_class: "blocked" }),
      "illegal_terminal_result",
    ],
    [
      "structured artifact missing",
      (fx) =>
        withResultFile(fx, { terminal_result: "BUILDER_COMPLETE", summary_artifact_paths: ["absent.md"] }),
      "missing_required_artifact",
    ],
    [
      "structured artifact outside run dir",
      (fx) => {
        writeFileSync(path.join(fx.root, "outside.md"), "x");
        return withResultFile(fx, {
          terminal_result: "BUILDER_COMPLETE",
          summary_artifact_paths: ["../../../outside.md"],
        });
      },
      "missing_required_artifact",
    ],
    [
      "structured vs stdout disagree",
      (fx) => ({
        ...withStdout(fx, "### BLOCKED\n"),
        ...withResultFile(fx, { terminal_result: "BUILDER_COMPLETE" }),
      }),
      "conflicting_terminal_results",
    ],
  ];

  it.each(cases)("%s", (_name, build, failureClass) => {
    const fx = createStageFixture("builder");
    const envelope = normalizeStageResult(fx.request, raw(fx, build(fx)));
    expect(StageResultEnvelopeSchema.parse(envelope)).toBeTruthy();
    expect(envelope).toMatchObject({
      terminal_result: "BLOCKED",
      result_class: "recoverable_failure",
      summary_status_marker: "### BLOCKED",
      success: false,
      retryable: true,
    });
    expect(envelope.metadata).toMatchObject({
      failure_class: failureClass,
      normalization_source: "failure",
      valid_terminal_result: false,
    });
    expect(envelope.exit_code).not.toBe(0);
  });
});
