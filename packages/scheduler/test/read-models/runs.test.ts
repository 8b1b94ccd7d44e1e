import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceError, RunDetailSchema, RunListingSchema, RunTailSchema } from "@millrace/contracts";
import { workspacePaths } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { listRuns, showRun, tailRun } from "../../src/read-models/index.js";
import { makeWorkspace, newRunId, scriptedRun, steppingClock, treeFingerprint } from "./fixtures.js";

function expectError(fn: () => unknown, code: string, exit: number, message: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(MillraceError.isInstance(error)).toBe(true);
    const err = error as MillraceError;
    expect(err.code).toBe(code);
    expect(err.exitStatus).toBe(exit);
    expect(err.message).toMatch(message);
    expect(err.hint.length).toBeGreaterThan(0);
    return;
  }
  throw new Error("expected an error");
}

describe("listRuns", () => {
  it("lists real scripted runs by first stage start, with status, work item, last result and stage count", async () => {
    const root = makeWorkspace();
    const later = await scriptedRun(root, [{ stage: "builder" }], {
      clock: steppingClock("2026-04-28T12:00:00Z"),
      workItemId: "task-late",
    });
    const earlier = await scriptedRun(
      root,
      [
        { stage: "builder" },
        { stage: "checker", actions: [{ type: "marker", token: "FIX_NEEDED" }] },
        { stage: "fixer" },
      ],
      { clock: steppingClock("2026-04-28T10:00:00Z"), workItemId: "task-early" },
    );
    const listing = listRuns(root);
    expect(RunListingSchema.parse(listing)).toEqual(listing);
    expect(listing.runs.map((run) => run.run_id)).toEqual([earlier, later]);
    const first = listing.runs[0]!;
    expect(first).toMatchObject({
      status: "valid",
      plane: "execution",
      request_kind: "active_work_item",
      work_item_kind: "task",
      work_item_id: "task-early",
      stage_count: 3,
      first_stage: "builder",
      last_stage: "fixer",
      last_terminal_result: "FIXER_COMPLETE",
      last_result_class: "success",
      failure_class: null,
      problems: [],
    });
    expect(first.run_dir).toBe(`millrace-agents/runs/${earlier}`);
    expect(first.started_at).toMatch(/^2026-04-28T10:00:\d\dZ$/);
  });

  it("marks a run folder without results incomplete and one with a broken stage result malformed", async () => {
    const root = makeWorkspace();
    const paths = workspacePaths(root);
    const good = await scriptedRun(root, [{ stage: "builder" }]);
    const empty = newRunId();
    mkdirSync(path.join(paths.runs, empty));
    const broken = newRunId();
    mkdirSync(path.join(paths.runs, broken, "stage_results"), { recursive: true });
    writeFileSync(path.join(paths.runs, broken, "stage_results", "request-x.json"), "{ not json");
    const wrongShape = newRunId();
    mkdirSync(path.join(paths.runs, wrongShape, "stage_results"), { recursive: true });
    writeFileSync(
      path.join(paths.runs, wrongShape, "stage_results", "request-y.json"),
      '{"kind":"stage_result"}\n',
    );
    // A folder name that is not a safe id is skipped, not shown.
    mkdirSync(path.join(paths.runs, ".hidden"));

    const byId = new Map(listRuns(root).runs.map((run) => [run.run_id, run]));
    expect(byId.size).toBe(4);
    expect(byId.get(good)?.status).toBe("valid");
    expect(byId.get(empty)).toMatchObject({
      status: "incomplete",
      stage_count: 0,
      last_terminal_result: null,
    });
    expect(byId.get(broken)?.status).toBe("malformed");
    expect(byId.get(broken)?.problems[0]?.error).toContain("not valid JSON");
    expect(byId.get(wrongShape)?.status).toBe("malformed");
    expect(byId.get(wrongShape)?.problems[0]?.error).toMatch(/is not a stage result \(/);
    // runs with results come first
    expect(listRuns(root).runs[0]?.run_id).toBe(good);
  });

  it("reports the failure class of a failed last stage", async () => {
    const root = makeWorkspace();
    const runId = await scriptedRun(root, [
      { stage: "builder", actions: [{ type: "print", text: "no marker here" }] },
    ]);
    const run = listRuns(root).runs.find((entry) => entry.run_id === runId);
    expect(run?.failure_class).toBe("missing_terminal_result");
    expect(run?.last_result_class).toBe("recoverable_failure");
  });

  it("an empty workspace lists nothing; an uninitialized folder is refused with exit 3", () => {
    const root = makeWorkspace();
    expect(listRuns(root).runs).toEqual([]);
    expectError(
      () => listRuns(path.join(root, "nope")),
      "workspace_not_initialized",
      3,
      /not an initialized/,
    );
  });
});

describe("showRun", () => {
  it("shows the summary and one block per stage with runner, duration, tokens and artifact paths", async () => {
    const root = makeWorkspace();
    const runId = await scriptedRun(root, [
      {
        stage: "builder",
        actions: [
          { type: "print", text: "built it" },
          { type: "marker", token: "BUILDER_COMPLETE" },
        ],
      },
      { stage: "checker", actions: [{ type: "marker", token: "CHECKER_PASS" }] },
    ]);
    const before = treeFingerprint(root);
    const detail = showRun(root, runId);
    expect(treeFingerprint(root)).toBe(before);
    expect(RunDetailSchema.parse(detail)).toEqual(detail);
    expect(detail.run.stage_count).toBe(2);
    expect(detail.stages.map((stage) => [stage.stage, stage.terminal_result, stage.result_class])).toEqual([
      ["builder", "BUILDER_COMPLETE", "success"],
      ["checker", "CHECKER_PASS", "success"],
    ]);
    const builder = detail.stages[0]!;
    expect(builder.runner_name).toBe("scripted");
    expect(builder.request_id).toMatch(/^request-[0-9a-f]{32}$/);
    expect(builder.duration_seconds).toBeGreaterThanOrEqual(0);
    expect(builder.artifacts.stage_result).toBe(
      `millrace-agents/runs/${runId}/stage_results/${builder.request_id}.json`,
    );
    expect(builder.artifacts.stdout).toBe(
      `millrace-agents/runs/${runId}/runner_stdout.${builder.request_id}.txt`,
    );
    expect(builder.artifacts.prompt).toBe(
      `millrace-agents/runs/${runId}/runner_prompt.${builder.request_id}.md`,
    );
    expect(detail.files).toContain(
      `millrace-agents/runs/${runId}/runner_invocation.${builder.request_id}.json`,
    );
    expect(detail.files.some((file) => file.includes("stage_results"))).toBe(false);
  });

  it("refuses unsafe run ids before touching a path (exit 2) and unknown runs with not_found (exit 1)", () => {
    const root = makeWorkspace();
    for (const bad of ["../x", "/etc", "run-a\0b", "..", " run-x", "a/b"]) {
      expectError(() => showRun(root, bad), "invalid_id", 2, /invalid run id/);
    }
    expectError(() => showRun(root, "run-doesnotexist"), "not_found", 1, /run not found: run-doesnotexist/);
  });

  it("a file named like a run is not a run", () => {
    const root = makeWorkspace();
    writeFileSync(path.join(workspacePaths(root).runs, "run-file"), "x");
    expectError(() => showRun(root, "run-file"), "not_found", 1, /run not found/);
  });
});

describe("tailRun", () => {
  it("prefers the troubleshoot report, then stdout, then stderr, then the last stage result", async () => {
    const root = makeWorkspace();
    const paths = workspacePaths(root);
    const runId = await scriptedRun(root, [
      {
        stage: "builder",
        actions: [
          { type: "stderr", text: "warning: flaky" },
          ...Array.from({ length: 5 }, (_, i) => ({ type: "print" as const, text: `line ${i + 1}` })),
          { type: "marker", token: "BUILDER_COMPLETE" },
        ],
      },
    ]);
    const dir = path.join(paths.runs, runId);

    const stdout = tailRun(root, runId, { lines: 2 });
    expect(RunTailSchema.parse(stdout)).toEqual(stdout);
    expect(stdout).toMatchObject({ source: "runner_stdout", lines: 2, truncated: true });
    expect(stdout.text).toBe("line 5\n### BUILDER_COMPLETE\n");
    expect(stdout.total_lines).toBe(6);

    writeFileSync(path.join(dir, "troubleshoot_report.md"), "# Troubleshoot\n\nroot cause: cache\n");
    const report = tailRun(root, runId);
    expect(report.source).toBe("troubleshoot_report");
    expect(report.path).toBe(`millrace-agents/runs/${runId}/troubleshoot_report.md`);
    expect(report.text).toBe("# Troubleshoot\n\nroot cause: cache\n");
    expect(report.truncated).toBe(false);
    rmSync(path.join(dir, "troubleshoot_report.md"));

    const stdoutFile = path.join(root, stdout.path);
    writeFileSync(stdoutFile, "");
    expect(tailRun(root, runId).source).toBe("runner_stderr");
    expect(tailRun(root, runId).text).toBe("warning: flaky\n");
    const stderrFile = path.join(root, tailRun(root, runId).path);
    writeFileSync(stderrFile, "  \n");
    const last = tailRun(root, runId, { lines: 0 });
    expect(last.source).toBe("stage_result");
    expect(last.text).toContain('"kind": "stage_result"');
  });

  it("shows a malformed stage-result file when nothing else exists; an empty run is not_found", () => {
    const root = makeWorkspace();
    const paths = workspacePaths(root);
    const broken = newRunId();
    mkdirSync(path.join(paths.runs, broken, "stage_results"), { recursive: true });
    writeFileSync(path.join(paths.runs, broken, "stage_results", "request-x.json"), "{ torn");
    expect(tailRun(root, broken)).toMatchObject({ source: "stage_result", text: "{ torn\n" });
    const empty = newRunId();
    mkdirSync(path.join(paths.runs, empty));
    expectError(() => tailRun(root, empty), "not_found", 1, /has nothing to show yet/);
  });

  it("never reads a stdout path a stage result points outside the run folder", async () => {
    const root = makeWorkspace();
    const paths = workspacePaths(root);
    const runId = await scriptedRun(root, [{ stage: "builder", actions: [{ type: "print", text: "ours" }] }]);
    const resultsDir = path.join(paths.runs, runId, "stage_results");
    const [name] = readdirSync(resultsDir);
    const file = path.join(resultsDir, name!);
    const envelope = JSON.parse(readFileSync(file, "utf8"));
    const outside = path.join(root, "secret.txt");
    writeFileSync(outside, "secret\n");
    writeFileSync(file, JSON.stringify({ ...envelope, stdout_path: outside, stderr_path: "/etc/passwd" }));
    const tail = tailRun(root, runId);
    expect(tail.source).toBe("runner_stdout");
    expect(tail.path).toBe(`millrace-agents/runs/${runId}/runner_stdout.${name!.slice(0, -5)}.txt`);
    expect(tail.text).not.toContain("secret");
  });

  it("rejects a bad --lines value and unsafe ids", () => {
    const root = makeWorkspace();
    expectError(() => tailRun(root, "run-x", { lines: -1 }), "usage_invalid_argument", 2, /--lines/);
    expectError(() => tailRun(root, "../../etc"), "invalid_id", 2, /invalid run id/);
  });
});
