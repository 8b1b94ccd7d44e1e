import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  MillraceConfigSchema,
  planeOfStage,
  RunDetailSchema,
  RunListingSchema,
  RunTailSchema,
  RunTraceGraphSchema,
  runningMarkerToken,
  type ScriptAction,
  STAGE_LEGALITY,
  type StageRunRequestInput,
} from "@millrace/contracts";
import { createRunnerRegistry, dispatchStage } from "@millrace/runners";
import { workspacePaths } from "@millrace/workspace";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";
import { hashTree } from "./wshash.js";

const hex = () => randomBytes(16).toString("hex");

/** A real run folder: each stage dispatched through the scripted runner, as the engine would. */
async function scriptedRun(
  root: string,
  stages: Array<{ stage: string; actions?: ScriptAction[] }>,
): Promise<string> {
  const paths = workspacePaths(root);
  const runId = `run-${hex()}`;
  const runDir = path.join(paths.runs, runId);
  const script = path.join(paths.runtimeRoot, "scripted", `${runId}.json`);
  mkdirSync(path.dirname(script), { recursive: true });
  const rules = stages.filter((s) => s.actions).map((s) => ({ stage: s.stage, actions: s.actions }));
  writeFileSync(script, JSON.stringify({ rules }));
  const config = MillraceConfigSchema.parse({
    runners: { default_runner: "scripted", scripted: { script } },
  });
  let t = Date.parse("2026-04-28T10:00:00Z");
  const clock = () => {
    t += 1000;
    return new Date(t);
  };
  for (const { stage } of stages) {
    const plane = planeOfStage(stage) ?? "execution";
    const legality = STAGE_LEGALITY.find((entry) => entry.stageKindId === stage)!;
    const outcomes = Object.fromEntries(
      Object.entries(legality.outcomes).map(([key, value]) => [key, [...value]]),
    );
    const request: StageRunRequestInput = {
      request_id: `request-${hex()}`,
      run_id: runId,
      plane,
      stage,
      mode_id: "default_codex",
      compiled_plan_id: "plan-e2e",
      node_id: stage,
      stage_kind_id: stage,
      running_status_marker: runningMarkerToken(stage),
      legal_terminal_markers: Object.keys(outcomes).map((outcome) => `### ${outcome}`),
      allowed_result_classes_by_outcome:
        outcomes as StageRunRequestInput["allowed_result_classes_by_outcome"],
      entrypoint_path: path.join(paths.entrypoints, plane, `${stage}.md`),
      active_work_item_kind: "task",
      active_work_item_id: "task-e2e",
      active_work_item_path: path.join(paths.queues.task.active, "task-e2e.md"),
      run_dir: runDir,
      summary_status_path: paths.statusFiles[plane],
      runtime_snapshot_path: paths.snapshot,
      recovery_counters_path: paths.recoveryCounters,
      timeout_seconds: 30,
    };
    await dispatchStage(request, {
      registry: createRunnerRegistry(),
      config,
      workspaceRoot: root,
      clock,
      env: {},
    });
  }
  return runId;
}

let root: string;
let runId: string;
let brokenRunId: string;

beforeAll(async () => {
  root = tempDir("millrace-runs-");
  expect(runCli(["init", root]).status).toBe(0);
  runId = await scriptedRun(root, [
    {
      stage: "builder",
      actions: [
        { type: "print", text: "compiled ok" },
        { type: "marker", token: "BUILDER_COMPLETE" },
      ],
    },
    { stage: "checker", actions: [{ type: "marker", token: "CHECKER_PASS" }] },
  ]);
  brokenRunId = `run-${hex()}`;
  const broken = path.join(workspacePaths(root).runs, brokenRunId, "stage_results");
  mkdirSync(broken, { recursive: true });
  writeFileSync(path.join(broken, "request-bad.json"), "{ torn");
}, 60_000);

describe("millrace runs ls", () => {
  it("lists every run as a table, newest first, and as JSON; reading changes nothing", () => {
    const before = hashTree(root);
    const run = runCli(["runs", "ls", "-w", root]);
    expect(run.status).toBe(0);
    const rows = run.stdout.trimEnd().split("\n");
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^RUN +STARTED \(UTC\) +STATUS +STAGES +ITEM +LAST STAGE +RESULT +FAILURE$/);
    // A run without a stage result has no start time yet (typically one in flight): it comes first.
    expect(rows[1]).toMatch(new RegExp(`^${brokenRunId.slice(4, 12)} +- +malformed +`));
    expect(rows[2]).toMatch(
      new RegExp(
        `^${runId.slice(4, 12)}  2026-04-28 10:00:0\\d +valid +2 +task:task-e2e +checker +CHECKER_PASS +-$`,
      ),
    );
    const listing = RunListingSchema.parse(runCli(["runs", "ls", "--json", "-w", root]).json());
    expect(listing.runs.map((r) => r.run_id)).toEqual([runId, brokenRunId]);
    expect(hashTree(root)).toBe(before);
  });

  it("an empty workspace says so; an uninitialized one exits 3", () => {
    const empty = tempDir("millrace-runs-");
    runCli(["init", empty]);
    expect(runCli(["runs", "ls", "-w", empty]).stdout).toBe("runs: none\n");
    const none = runCli(["runs", "ls", "-w", tempDir("millrace-runs-")]);
    expect(none.status).toBe(3);
    expect(none.stderr).toMatch(/^error: .*not an initialized Millrace workspace/);
  });
});

describe("millrace runs ls --limit and the newest-runs record", () => {
  /** Finished run folders `minutes` after a base, each `stage_results/` dated 40 s after its start. */
  function writeRuns(ws: string, minutes: number[]): string[] {
    const template = readdirSync(path.join(workspacePaths(root).runs, runId, "stage_results")).find((f) =>
      f.endsWith(".json"),
    ) as string;
    const envelope = JSON.parse(
      readFileSync(path.join(workspacePaths(root).runs, runId, "stage_results", template), "utf8"),
    );
    return minutes.map((minute) => {
      const id = `run-${hex()}`;
      const results = path.join(workspacePaths(ws).runs, id, "stage_results");
      mkdirSync(results, { recursive: true });
      const started = Date.parse("2026-05-01T08:00:00Z") + minute * 60_000;
      const stamp = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
      writeFileSync(
        path.join(results, template),
        JSON.stringify({
          ...envelope,
          run_id: id,
          started_at: stamp(started),
          completed_at: stamp(started + 1000),
        }),
      );
      utimesSync(results, new Date(started + 40_000), new Date(started + 40_000));
      return id;
    });
  }
  const newest = (ws: string, limit: number) =>
    RunListingSchema.parse(
      runCli(["runs", "ls", "--limit", String(limit), "--json", "-w", ws]).json(),
    ).runs.map((r) => r.run_id);
  const full = (ws: string) =>
    RunListingSchema.parse(runCli(["runs", "ls", "--json", "-w", ws]).json()).runs.map((r) => r.run_id);

  it("writes the record once, answers the same with it, and ignores a bad or stale one", () => {
    const ws = tempDir("millrace-runs-");
    expect(runCli(["init", ws]).status).toBe(0);
    const ids = writeRuns(ws, [30, 5, 50, 0, 20, 40, 10]);
    const record = path.join(workspacePaths(ws).state, "newest_runs.json");
    const textBefore = runCli(["runs", "ls", "--limit", "3", "-w", ws]).stdout;
    expect(existsSync(record)).toBe(true);
    expect(runCli(["runs", "ls", "--limit", "3", "-w", ws]).stdout).toBe(textBefore);
    expect(newest(ws, 3)).toEqual(full(ws).slice(-3));
    // Minutes 30, 40 and 50, oldest first.
    expect(newest(ws, 3)).toEqual([ids[0], ids[5], ids[2]]);
    for (const bad of ["{ torn", "", JSON.stringify({ schema_version: 1, kind: "newest_runs_hint" })]) {
      writeFileSync(record, bad);
      expect(newest(ws, 2)).toEqual(full(ws).slice(-2));
      expect(JSON.parse(readFileSync(record, "utf8")).kind).toBe("newest_runs_hint");
    }
    // A run added by an older build (no record update) is seen at once.
    const [late] = writeRuns(ws, [90]);
    expect(newest(ws, 1)).toEqual([late]);
    // A record that cannot be written (a folder in its place) costs nothing but speed.
    rmSync(record);
    mkdirSync(record);
    expect(newest(ws, 2)).toEqual(full(ws).slice(-2));
  });

  it("--offset pages from the newest run back, as text and JSON, and refuses bad values (exit 2)", () => {
    const ws = tempDir("millrace-runs-");
    expect(runCli(["init", ws]).status).toBe(0);
    writeRuns(ws, [30, 5, 50, 0, 20, 40, 10]);
    const all = full(ws);
    const page = (...args: string[]) =>
      RunListingSchema.parse(runCli(["runs", "ls", ...args, "--json", "-w", ws]).json());
    // Pages of three, newest first: minutes 50-30, 20-5, then 0.
    const pages: string[][] = [];
    let offset: number | null | undefined = 0;
    while (offset !== null && offset !== undefined) {
      const listed = page("--limit", "3", "--offset", String(offset));
      expect(listed).toMatchObject({ total: 7, limit: 3, offset });
      pages.push(listed.runs.map((run) => run.run_id));
      offset = listed.next_offset;
    }
    expect(pages.map((ids) => ids.length)).toEqual([3, 3, 1]);
    expect(pages.reverse().flat()).toEqual(all);
    // --offset alone: every run but the newest N. Past the end: none.
    expect(page("--offset", "5").runs.map((run) => run.run_id)).toEqual(all.slice(0, 2));
    expect(page("--limit", "3", "--offset", "7")).toMatchObject({ runs: [], total: 7, next_offset: null });
    // The table says what it shows and how to see the next page; a whole listing adds no line.
    const text = runCli(["runs", "ls", "--limit", "3", "--offset", "3", "-w", ws])
      .stdout.trimEnd()
      .split("\n");
    expect(text).toHaveLength(5);
    expect(text[4]).toBe("shown: 3 of 7 runs, skipping the newest 3 (--offset 6 the next page)");
    expect(runCli(["runs", "ls", "-w", ws]).stdout).not.toContain("shown:");
    expect(runCli(["runs", "ls", "--limit", "10", "-w", ws]).stdout).not.toContain("shown:");
    for (const bad of [
      ["--offset", "-1"],
      ["--offset", "1.5"],
      ["--offset", "x"],
      ["--limit", "2", "--offset", "1e400"],
    ]) {
      const run = runCli(["runs", "ls", ...bad, "-w", ws]);
      expect(run.status, bad.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/^error: .*--offset.*\nhint: /);
      expect(run.stdout).toBe("");
    }
    const other = runCli(["runs", "show", "latest", "--offset", "1", "-w", ws]);
    expect(other.status).toBe(2);
    expect(other.stderr).toContain("apply to `runs ls` only");
  });
});

describe("millrace runs show / tail / trace", () => {
  it("show prints the summary and a block per stage; --json matches the schema", () => {
    const run = runCli(["runs", "show", runId, "-w", root]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`run_id: ${runId}\nrun_dir: millrace-agents/runs/${runId}\nstatus: valid\n`);
    expect(run.stdout).toContain("\nstage: 1 builder\nrequest_id: request-");
    expect(run.stdout).toContain("\nstage: 2 checker\n");
    expect(run.stdout).toContain("runner: scripted\n");
    expect(run.stdout).toMatch(
      /stdout: millrace-agents\/runs\/run-[0-9a-f]+\/runner_stdout\.request-[0-9a-f]+\.txt\n/,
    );
    const detail = RunDetailSchema.parse(runCli(["runs", "show", runId, "--json", "-w", root]).json());
    expect(detail.stages.map((stage) => stage.terminal_result)).toEqual(["BUILDER_COMPLETE", "CHECKER_PASS"]);
  });

  it("tail prints the end of the most useful file with a header; --json carries the source", () => {
    const run = runCli(["runs", "tail", runId, "--lines", "1", "-w", root]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /^==> millrace-agents\/runs\/run-[0-9a-f]+\/runner_stdout\.request-[0-9a-f]+\.txt \(runner_stdout\) <==\n### CHECKER_PASS\n$/,
    );
    const tail = RunTailSchema.parse(runCli(["runs", "tail", runId, "--json", "-w", root]).json());
    expect(tail.source).toBe("runner_stdout");
    const broken = runCli(["runs", "tail", brokenRunId, "-w", root]);
    expect(broken.stdout).toContain("(stage_result) <==\n{ torn\n");
  });

  it("trace prints text, JSON with --format json or --json, and writes --output without printing", () => {
    const text = runCli(["runs", "trace", runId, "-w", root]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`run_id: ${runId}\n`);
    expect(text.stdout).toContain("status: incomplete\n");
    expect(text.stdout).toContain("edge: builder --BUILDER_COMPLETE/unknown--> checker\n");
    expect(text.stdout).toContain(
      "note: run_trace.json is absent; this trace is derived from the stage results\n",
    );
    const json = RunTraceGraphSchema.parse(
      runCli(["runs", "trace", runId, "--format", "json", "-w", root]).json(),
    );
    expect(json.nodes).toHaveLength(2);
    expect(
      RunTraceGraphSchema.parse(runCli(["runs", "trace", runId, "--json", "-w", root]).json()).run_id,
    ).toBe(runId);
    const out = path.join(tempDir("millrace-trace-"), "trace.json");
    const written = runCli(["runs", "trace", runId, "--format", "json", "--output", out, "-w", root]);
    expect(written.status).toBe(0);
    expect(written.stdout).toBe("");
    expect(RunTraceGraphSchema.parse(JSON.parse(readFileSync(out, "utf8"))).run_id).toBe(runId);
    const malformed = runCli(["runs", "trace", brokenRunId, "-w", root]);
    expect(malformed.stdout).toContain("status: malformed\n");
  });

  it("unsafe ids exit 2 before any path is touched; unknown runs exit 1; missing ids and bad formats exit 2", () => {
    for (const action of ["show", "tail", "trace"]) {
      for (const bad of ["../x", "/etc", "..", "a/b"]) {
        const run = runCli(["runs", action, bad, "-w", root]);
        expect(run.status, `${action} ${bad}`).toBe(2);
        expect(run.stderr).toContain(`error: invalid run id ${JSON.stringify(bad)}`);
      }
      const missing = runCli(["runs", action, "run-missing", "-w", root]);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toBe(
        "error: run not found: run-missing\nhint: `millrace runs ls` lists the runs of this workspace.\n",
      );
    }
    const json = runCli(["runs", "show", "../x", "--json", "-w", root]);
    expect(json.status).toBe(2);
    expect(json.json<{ error: { code: string } }>().error.code).toBe("invalid_id");
    expect(runCli(["runs", "show", "-w", root]).status).toBe(2);
    const format = runCli(["runs", "trace", runId, "--format", "xml", "-w", root]);
    expect(format.status).toBe(2);
    expect(existsSync(path.join(root, "xml"))).toBe(false);
    const lines = runCli(["runs", "tail", runId, "--lines", "-3", "-w", root]);
    expect(lines.status).toBe(2);
    expect(lines.stderr).toContain("--lines must be a whole number >= 0");
  });
});
