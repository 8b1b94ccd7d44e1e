import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { claudeArgs } from "../src/claude/args.js";
import { usageFromClaudeResult } from "../src/index.js";
import { createStageFixture, fakeRunnerConfig } from "../src/testing/index.js";
import { config, dispatch, livePidsWithArg, livePidsWithCwd, uniqueTag } from "./helpers.js";

describe("claude_code argv", () => {
  it("uses print mode with stream-json + verbose, model, effort and permission flags; no positional prompt", () => {
    const fx = createStageFixture("builder", { model_name: "sonnet", thinking_level: "minimal" });
    expect(claudeArgs(config({ runners: { claude: { permission_default: "basic" } } }), fx.request)).toEqual([
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--no-session-persistence",
      "--model",
      "sonnet",
      "--effort",
      "low",
      "--permission-mode",
      "acceptEdits",
    ]);
    expect(claudeArgs(config(), fx.request)).toContain("--dangerously-skip-permissions");
    expect(
      claudeArgs(config({ runners: { claude: { permission_default: "elevated" } } }), fx.request).join(" "),
    ).toContain("--permission-mode bypassPermissions");
  });

  it("reads usage and cost from the result message, summing modelUsage", () => {
    expect(
      usageFromClaudeResult({
        total_cost_usd: 0.5,
        modelUsage: {
          a: { inputTokens: 100, outputTokens: 10, cacheReadInputTokens: 50, cacheCreationInputTokens: 5 },
          b: { inputTokens: 1, outputTokens: 2, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
        },
      }),
    ).toEqual({
      input_tokens: 156,
      cached_input_tokens: 50,
      output_tokens: 12,
      thinking_tokens: 0,
      total_tokens: 168,
      cache_write_input_tokens: 5,
      cost_usd: 0.5,
    });
  });
});

describe("claude_code against fake-claude", () => {
  it("succeeds only with is_error false and exit 0; final text, usage and cost from result", async () => {
    const fx = createStageFixture("checker");
    const record = path.join(fx.root, "record.json");
    const result = await dispatch(fx, {
      config: fakeRunnerConfig("claude_code", { scenario: "tool", recordPath: record }),
    });
    expect(result.envelope.terminal_result).toBe("CHECKER_PASS");
    expect(result.raw.token_usage?.cost_usd).toBe(0.0123);
    expect(result.raw.token_usage?.input_tokens).toBe(3800);
    expect(readFileSync(result.artifacts.stdout, "utf8")).toContain("### CHECKER_PASS");
    const seen = JSON.parse(readFileSync(record, "utf8"));
    expect(seen.stdin).toBe(readFileSync(result.artifacts.prompt, "utf8"));
    expect(seen.cwd).toBe(fx.root);
  });

  it.each([
    ["auth", "runner_auth_failure", "runner_auth_failure"],
    ["max-turns", "runner_max_turns", "provider_failure"],
    ["crash", "runner_non_zero_exit", "runner_transport_failure"],
    ["illegal-marker", null, "illegal_terminal_result"],
    ["no-marker", null, "missing_terminal_result"],
    ["two-markers", null, "conflicting_terminal_results"],
  ])("scenario %s → raw %s, envelope %s", async (scenario, runnerClass, envelopeClass) => {
    const fx = createStageFixture("builder");
    const result = await dispatch(fx, { config: fakeRunnerConfig("claude_code", { scenario }) });
    expect(result.raw.failure_class ?? null).toBe(runnerClass);
    expect(result.envelope.metadata.failure_class).toBe(envelopeClass);
    expect(result.envelope.success).toBe(false);
  });

  it("treats subtype success with is_error true as a failure", async () => {
    const fx = createStageFixture("builder");
    const result = await dispatch(fx, {
      config: fakeRunnerConfig("claude_code", { scenario: "auth", finalText: "### BUILDER_COMPLETE" }),
    });
    expect(result.raw.exit_kind).toBe("provider_error");
  });

  it("times out in a retry loop and leaves no process of the stage behind", async () => {
    const fx = createStageFixture("builder", { timeout_seconds: 1 });
    const tag = uniqueTag();
    const result = await dispatch(fx, {
      config: fakeRunnerConfig("claude_code", { scenario: "leak", leakTag: tag }),
    });
    expect(result.raw.exit_kind).toBe("timeout");
    expect(result.envelope.metadata.failure_class).toBe("runner_timeout");
    expect(livePidsWithArg(tag)).toEqual([]);
    expect(livePidsWithCwd(fx.root)).toEqual([]);
  });

  it("stops an api_retry loop at the retry budget", async () => {
    const fx = createStageFixture("builder", { timeout_seconds: 20 });
    const result = await dispatch(fx, {
      config: fakeRunnerConfig("claude_code", { scenario: "retry-loop" }),
    });
    expect(result.raw.failure_class).toBe("runner_retry_exhausted");
    expect(result.envelope.metadata.failure_class).toBe("provider_failure");
  });

  it("fails fast without credentials", async () => {
    const fx = createStageFixture("builder");
    const cfg = fakeRunnerConfig(
      "claude_code",
      {},
      { runners: { claude: { env: { ANTHROPIC_API_KEY: "" } } } },
    );
    const result = await dispatch(fx, { config: cfg, env: { PATH: process.env.PATH, HOME: fx.root } });
    expect(result.raw.failure_class).toBe("runner_auth_failure");
    expect(readFileSync(result.artifacts.stderr, "utf8")).toContain("ANTHROPIC_API_KEY");
  });
});
