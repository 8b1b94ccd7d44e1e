import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { piArgs } from "../src/pi/args.js";
import { createStageFixture, fakeRunnerConfig } from "../src/testing/index.js";
import { config, dispatch, livePidsWithArg, livePidsWithCwd, uniqueTag } from "./helpers.js";

describe("pi_rpc argv", () => {
  it("adds rpc mode, no session, provider, model, thinking and the hermetic flags", () => {
    const fx = createStageFixture("builder", { model_name: "fake/m", thinking_level: "high" });
    expect(
      piArgs(config({ runners: { pi: { provider: "anthropic", args: ["--offline"] } } }), fx.request),
    ).toEqual([
      "--offline",
      "--mode",
      "rpc",
      "--no-session",
      "--provider",
      "anthropic",
      "--model",
      "fake/m",
      "--thinking",
      "high",
      "--no-context-files",
      "--no-skills",
    ]);
  });
});

describe("pi_rpc against fake-pi", () => {
  it("matches responses by id, reads the last assistant text, sums usage from assistant message_end", async () => {
    const fx = createStageFixture("checker");
    const record = path.join(fx.root, "record.json");
    const result = await dispatch(fx, {
      config: fakeRunnerConfig("pi_rpc", { scenario: "tool", recordPath: record }),
    });
    expect(result.envelope.terminal_result).toBe("CHECKER_PASS");
    expect(result.raw.token_usage).toMatchObject({
      input_tokens: 3800,
      cached_input_tokens: 600,
      output_tokens: 84,
      cost_usd: 0.01,
    });
    expect(result.raw.session_id).toBeTruthy();
    const seen = JSON.parse(readFileSync(record, "utf8"));
    expect(seen.commands.map((c: { type: string }) => c.type)).toEqual([
      "get_state",
      "prompt",
      "get_last_assistant_text",
    ]);
    expect(seen.commands[1].message).toBe(readFileSync(result.artifacts.prompt, "utf8"));
    // event_log_policy failure_full: no event log for a clean completion
    expect(result.raw.event_log_path).toBeNull();
  });

  it("treats agent_end per attempt: a retried failure followed by success completes", async () => {
    const fx = createStageFixture("builder");
    const result = await dispatch(fx, {
      config: fakeRunnerConfig("pi_rpc", { scenario: "retry-then-success" }),
    });
    expect(result.envelope.terminal_result).toBe("BUILDER_COMPLETE");
    expect(result.raw.notes.join(" ")).toContain("pi auto-retries: 1");
    // usage counts the failed attempt too
    expect(result.raw.token_usage?.output_tokens).toBe(84);
  });

  it.each([
    ["retry-fail", "runner_retry_exhausted", "provider_failure"],
    ["error-no-retry", "runner_auth_failure", "runner_auth_failure"],
    ["no-key", "runner_auth_failure", "runner_auth_failure"],
    ["crash", "runner_incomplete_rpc_stream", "runner_transport_failure"],
    ["illegal-marker", null, "illegal_terminal_result"],
    ["no-marker", null, "missing_terminal_result"],
    ["two-markers", null, "conflicting_terminal_results"],
  ])("scenario %s → raw %s, envelope %s", async (scenario, runnerClass, envelopeClass) => {
    const fx = createStageFixture("builder");
    const result = await dispatch(fx, { config: fakeRunnerConfig("pi_rpc", { scenario }) });
    expect(result.raw.failure_class ?? null).toBe(runnerClass);
    expect(result.envelope.metadata.failure_class).toBe(envelopeClass);
  });

  it("writes the event log (without message_update snapshots) on failure", async () => {
    const fx = createStageFixture("builder");
    const result = await dispatch(fx, { config: fakeRunnerConfig("pi_rpc", { scenario: "retry-fail" }) });
    expect(result.raw.event_log_path).toBe(result.artifacts.events);
    const log = readFileSync(result.artifacts.events, "utf8");
    expect(log).toContain("auto_retry_end");
    expect(log).not.toContain("message_update");
  });

  it("times out: abort, then kill; no process of the stage survives", async () => {
    const fx = createStageFixture("builder", { timeout_seconds: 1 });
    const tag = uniqueTag();
    const result = await dispatch(fx, {
      config: fakeRunnerConfig("pi_rpc", { scenario: "leak", leakTag: tag }),
      limits: { killGraceMs: 300 },
    });
    expect(result.raw.exit_kind).toBe("timeout");
    expect(result.envelope.metadata.failure_class).toBe("runner_timeout");
    expect(livePidsWithArg(tag)).toEqual([]);
    expect(livePidsWithCwd(fx.root)).toEqual([]);
    expect(existsSync(result.artifacts.events)).toBe(true);
  });
});
