import { readFileSync } from "node:fs";
import type { RunnerContext } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { finishStage, writeFinalText } from "../src/finish/finish-stage.js";
import { COMPLETED, retryExhausted } from "../src/finish/verdict.js";
import { DEFAULT_PROCESS_LIMITS, runArtifactPaths } from "../src/index.js";
import type { ProcessOutcome } from "../src/process/run-process.js";
import { createStageFixture } from "../src/testing/index.js";
import { config } from "./helpers.js";

function setup() {
  const fixture = createStageFixture("builder");
  const ctx: RunnerContext = {
    config: config(),
    workspaceRoot: fixture.root,
    runtimeRoot: fixture.runtimeRoot,
    prompt: "",
    artifacts: runArtifactPaths(fixture.runDir, fixture.request.request_id),
    baseEnv: {},
    clock: () => new Date(),
    limits: DEFAULT_PROCESS_LIMITS,
    recordInvocation: () => {},
  };
  return { request: fixture.request, ctx };
}

function outcome(extra: Partial<ProcessOutcome> = {}): ProcessOutcome {
  const at = new Date("2026-05-01T10:00:00Z");
  return {
    pid: 1,
    exitCode: 0,
    signal: null,
    stopReason: null,
    stopDetail: null,
    spawnError: null,
    startedAt: at,
    endedAt: at,
    stdoutBytes: 0,
    stderrBytes: 0,
    stdoutTruncated: false,
    stderrTruncated: false,
    leakedKilled: [],
    hardKilled: false,
    ...extra,
  };
}

describe("finishStage", () => {
  it("a clean exit takes the protocol's verdict; stream notes come before process notes", () => {
    const { request, ctx } = setup();
    const raw = finishStage(request, ctx, {
      runnerName: "demo",
      command: "demo",
      outcome: outcome({ leakedKilled: [42] }),
      fields: { stdout_path: writeFinalText(ctx, "### BUILDER_COMPLETE"), session_id: "s-1" },
      notes: ["stream note"],
      markerText: "### BUILDER_COMPLETE",
      classify: () => COMPLETED,
    });
    expect(raw).toMatchObject({
      runner_name: "demo",
      exit_kind: "completed",
      exit_code: 0,
      failure_class: null,
      session_id: "s-1",
      stderr_path: ctx.artifacts.stderr,
      notes: ["stream note", "killed leftover processes: 42"],
    });
    expect(readFileSync(ctx.artifacts.stdout, "utf8")).toBe("### BUILDER_COMPLETE\n");
  });

  it("the adapter's own stop wins over the protocol, and process control over the protocol", () => {
    const { request, ctx } = setup();
    const base = { runnerName: "demo", command: "demo", fields: {}, notes: [], markerText: undefined };
    const never = () => {
      throw new Error("the protocol is not asked");
    };
    const stopped = finishStage(request, ctx, {
      ...base,
      outcome: outcome({ stopReason: "requested" }),
      stoppedBy: retryExhausted(3, "retries"),
      classify: never,
    });
    expect(stopped).toMatchObject({
      failure_class: "runner_retry_exhausted",
      notes: ["stopped after 3 retries"],
    });
    const missing = finishStage(request, ctx, {
      ...base,
      outcome: outcome({ exitCode: null, spawnError: { code: "ENOENT", message: "nope" } }),
      classify: never,
    });
    expect(missing).toMatchObject({ exit_code: 127, failure_class: "runner_binary_not_found" });
  });

  it("a deadline verdict is reconciled when the final legal marker was printed", () => {
    const { request, ctx } = setup();
    const raw = finishStage(request, ctx, {
      runnerName: "demo",
      command: "demo",
      outcome: outcome({ exitCode: null, signal: "SIGTERM", stopReason: "timeout", stopDetail: "1 s" }),
      fields: {},
      notes: [],
      markerText: "done\n### BUILDER_COMPLETE",
      classify: () => COMPLETED,
    });
    expect(raw).toMatchObject({ exit_kind: "completed", observed_exit_kind: "timeout", failure_class: null });
  });
});
