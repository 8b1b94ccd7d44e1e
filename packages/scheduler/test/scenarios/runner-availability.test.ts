import { existsSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  formatTimestamp,
  MillraceError,
  type RunnerAdapter,
  type RunnerRawResultInput,
} from "@millrace/contracts";
import { createScriptedAdapter } from "@millrace/runners";
import { describe, expect, it } from "vitest";
import { readStatus } from "../../src/index.js";
import { enqueueTask, runUntilIdle, type TestWorkspace, testEngine } from "../fixtures.js";
import {
  completedStages,
  eventsOfType,
  locate,
  readCounters,
  readSnapshot,
  scenarioWorkspace,
} from "./helpers.js";

type Failure = "runner_binary_not_found" | "runner_auth_failure";

/**
 * The scripted runner behind a switch: while `failure` is set its preflight reports the problem
 * (unless `preflightBlind`, like a provider rejecting a key the preflight can see) and its stages
 * fail the way an agent CLI's do when the executable is gone or the credential is refused.
 */
function switchableRunner(credentialFile: string) {
  const inner = createScriptedAdapter();
  const state: { failure: Failure | null; preflightBlind: boolean } = {
    failure: null,
    preflightBlind: false,
  };
  const adapter: RunnerAdapter = {
    name: "scripted",
    run: async (request, ctx): Promise<RunnerRawResultInput> => {
      if (!state.failure) return inner.run(request, ctx);
      const now = formatTimestamp(ctx.clock());
      return {
        request_id: request.request_id,
        run_id: request.run_id,
        stage: request.stage,
        runner_name: "scripted",
        exit_kind: state.failure === "runner_auth_failure" ? "provider_error" : "runner_error",
        exit_code: state.failure === "runner_auth_failure" ? 1 : 127,
        failure_class: state.failure,
        notes: [state.failure === "runner_auth_failure" ? "401 unauthorized" : "runner executable missing"],
        started_at: now,
        ended_at: now,
      };
    },
    preflight: async (config, env, options) => {
      const base = await inner.preflight?.(config, env, options);
      const credential = { state: "present" as const, source: credentialFile, detail: null };
      if (!state.failure || state.preflightBlind) return { ok: true, problems: [], ...base, credential };
      const problem =
        state.failure === "runner_auth_failure"
          ? "no Fake credentials: set FAKE_KEY"
          : "the Fake executable fake was not found on PATH: install it";
      return { ok: false, problems: [problem], credential };
    },
  };
  return { adapter, state };
}

function workspaceWithTask(): { ws: TestWorkspace; credential: string } {
  const ws = scenarioWorkspace({ rules: [] });
  enqueueTask(ws, "task-a");
  const credential = path.join(ws.root, "fake-credential");
  writeFileSync(credential, "k");
  return { ws, credential };
}

describe("runner availability: refuse before the first tick, pause instead of recovering", () => {
  it("start refuses with runner_preflight_failed naming the mode, the runner, what is missing and the fix", async () => {
    const { ws, credential } = workspaceWithTask();
    const runner = switchableRunner(credential);
    runner.state.failure = "runner_binary_not_found";
    const { engine } = testEngine(ws, { runners: [runner.adapter] });
    const error = await engine.start().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(MillraceError.isInstance(error)).toBe(true);
    const refused = error as MillraceError;
    expect(refused.code).toBe("runner_preflight_failed");
    expect(refused.exitStatus).toBe(1);
    expect(refused.message).toMatch(
      /^cannot run mode demo: runner scripted \(used by [^)]+\): the Fake executable fake was not found on PATH: install it$/,
    );
    expect(refused.hint).toContain("millrace doctor");
    // Nothing ran, nothing was claimed, and the workspace is free again.
    expect(locate(ws, "task-a")).toEqual(["task/queue"]);
    runner.state.failure = null;
    const { report } = await runUntilIdle(ws, { runners: [runner.adapter] });
    expect(report.stopReason).toBe("idle");
    expect(locate(ws, "task-a")).toEqual(["task/done"]);
  });

  it("a runner lost mid-run holds the stage, pauses without recovery stages, and resumes when it is back", async () => {
    const { ws, credential } = workspaceWithTask();
    const runner = switchableRunner(credential);
    const notices: string[] = [];
    let statusWhilePaused: ReturnType<typeof readStatus> | undefined;
    const { report } = await runUntilIdle(ws, {
      runners: [runner.adapter],
      monitor: (event) => {
        if (event.type === "stage_completed" && event.stage === "builder") {
          runner.state.failure = "runner_binary_not_found";
        }
        if (event.type === "notice") notices.push(event.message);
        if (event.type === "runtime_paused" && !statusWhilePaused) {
          statusWhilePaused = readStatus(ws.root);
          runner.state.failure = null;
        }
      },
    });
    expect(report.stopReason).toBe("idle");
    expect(completedStages(ws)).toEqual([
      "builder:BUILDER_COMPLETE",
      "checker:BLOCKED",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);
    expect(locate(ws, "task-a")).toEqual(["task/done"]);
    expect(eventsOfType(ws, "stage_completed")[1]?.data.failure_class).toBe("runner_unavailable");
    // No recovery stage, no routing decision for the held stage, no counter.
    expect(eventsOfType(ws, "router_decision").map((event) => event.data.action)).not.toContain(
      "run_stage:troubleshooter",
    );
    expect(readCounters(ws).entries).toEqual([]);
    expect(eventsOfType(ws, "runtime_runner_unavailable").map((event) => event.data)).toEqual([
      {
        runner: "scripted",
        failure_class: "runner_unavailable",
        reason: "the Fake executable fake was not found on PATH: install it",
        plane: "execution",
        run_id: expect.stringMatching(/^run-/),
        stage: "checker",
      },
    ]);
    expect(eventsOfType(ws, "runtime_runner_available").map((event) => event.data)).toEqual([
      { runner: "scripted" },
    ]);
    expect(statusWhilePaused?.pause_sources).toEqual(["runner_unavailable"]);
    expect(statusWhilePaused?.runner_pause).toMatchObject({
      runner: "scripted",
      failure_class: "runner_unavailable",
      stage: "checker",
      reason: "the Fake executable fake was not found on PATH: install it",
    });
    expect(notices.filter((line) => line.startsWith("paused reason=runner_unavailable"))).toHaveLength(1);
    expect(notices.filter((line) => line.startsWith("resumed reason=runner_available"))).toHaveLength(1);
    expect(readSnapshot(ws).pause_sources).toEqual([]);
    expect(existsSync(path.join(ws.paths.state, "runner_pause.json"))).toBe(false);
  });

  it("a refused credential the preflight cannot see is not retried until the credential changes", async () => {
    const { ws, credential } = workspaceWithTask();
    const runner = switchableRunner(credential);
    runner.state.failure = "runner_auth_failure";
    runner.state.preflightBlind = true;
    const first = testEngine(ws, {
      runners: [runner.adapter],
      monitor: (event) => {
        // From here a retry would succeed: only a changed credential may trigger it.
        if (event.type === "runtime_paused") runner.state.failure = null;
      },
    });
    try {
      expect((await first.engine.runDaemon({ maxTicks: 30 })).stopReason).toBe("max_ticks");
    } finally {
      await first.engine.close();
    }
    expect(completedStages(ws)).toEqual(["builder:BLOCKED"]);
    expect(readSnapshot(ws).pause_sources).toEqual(["runner_unavailable"]);
    const [held] = eventsOfType(ws, "runtime_runner_unavailable");
    expect(held?.data.failure_class).toBe("runner_auth_failure");
    expect(held?.data.reason).toContain("the pause lifts when its credentials change");

    // `codex login` again: the credential file changes, the next check lifts the pause.
    utimesSync(credential, new Date(), new Date(Date.now() + 60_000));
    const { report } = await runUntilIdle(ws, { runners: [runner.adapter], preflight: false });
    expect(report.stopReason).toBe("idle");
    expect(completedStages(ws)).toEqual([
      "builder:BLOCKED",
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);
    expect(eventsOfType(ws, "runtime_runner_available")).toHaveLength(1);
    expect(readCounters(ws).entries).toEqual([]);
  });

  it("a pause left by an earlier life lifts at start when the preflight passes", async () => {
    const { ws, credential } = workspaceWithTask();
    const runner = switchableRunner(credential);
    runner.state.failure = "runner_binary_not_found";
    const first = testEngine(ws, { runners: [runner.adapter], preflight: false });
    try {
      await first.engine.runDaemon({ maxTicks: 4 });
    } finally {
      await first.engine.close();
    }
    expect(readSnapshot(ws).pause_sources).toEqual(["runner_unavailable"]);
    expect(readStatus(ws.root).runner_pause?.stage).toBe("builder");
    runner.state.failure = null;
    const { report } = await runUntilIdle(ws, { runners: [runner.adapter] });
    expect(report.stopReason).toBe("idle");
    expect(locate(ws, "task-a")).toEqual(["task/done"]);
    expect(readStatus(ws.root).runner_pause).toBeNull();
  });
});
