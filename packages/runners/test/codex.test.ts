import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { RunnerInvocationArtifact } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { codexArgs } from "../src/codex/args.js";
import { createStageFixture, fakeRunnerConfig } from "../src/testing/index.js";
import { config, dispatch, livePidsWithArg, livePidsWithCwd, runFiles, uniqueTag } from "./helpers.js";

describe("codex_cli argv", () => {
  it("builds the exec argument vector with the prompt on stdin", () => {
    const fx = createStageFixture("builder", { model_name: "gpt-x", model_reasoning_effort: "high" });
    const cfg = config({
      runners: {
        codex: {
          profile: "ci",
          extra_config: ['model_reasoning_effort="low"'],
          permission_by_stage: { builder: "normal" },
        },
      },
    });
    expect(codexArgs(cfg, fx.request, { workspaceRoot: "/w", lastMessagePath: "/w/last.txt" })).toEqual([
      "exec",
      "--profile",
      "ci",
      "--json",
      "--skip-git-repo-check",
      "--model",
      "gpt-x",
      "--sandbox",
      "workspace-write",
      "-c",
      'model_reasoning_effort="low"',
      "-c",
      'model_reasoning_effort="high"',
      "--cd",
      "/w",
      "--output-last-message",
      "/w/last.txt",
      "-",
    ]);
  });

  it("maps permission levels: by stage, then by model, then the default", () => {
    const fx = createStageFixture("checker", { model_name: "m1" });
    const args = (input: object) =>
      codexArgs(config({ runners: { codex: input } }), fx.request, {
        workspaceRoot: "/w",
        lastMessagePath: "/l",
      });
    expect(args({})).toContain("--dangerously-bypass-approvals-and-sandbox");
    expect(args({ permission_default: "elevated" }).join(" ")).toContain("--sandbox danger-full-access");
    expect(args({ permission_by_model: { m1: "basic" } }).join(" ")).toContain("--sandbox workspace-write");
    expect(
      args({ permission_by_model: { m1: "basic" }, permission_by_stage: { checker: "maximum" } }),
    ).toContain("--dangerously-bypass-approvals-and-sandbox");
    expect(args({})).not.toContain("--full-auto");
  });

  it("translates thinking_level into the reasoning effort override", () => {
    const fx = createStageFixture("builder", { thinking_level: "xhigh" });
    expect(codexArgs(config(), fx.request, { workspaceRoot: "/w", lastMessagePath: "/l" })).toContain(
      'model_reasoning_effort="xhigh"',
    );
  });
});

describe("codex_cli against fake-codex", () => {
  it("succeeds: prompt on stdin, events, last message, usage from turn.completed, invocation without secrets", async () => {
    const fx = createStageFixture("checker");
    const record = path.join(fx.root, "record.json");
    const result = await dispatch(fx, { config: fakeRunnerConfig("codex_cli", { recordPath: record }) });
    expect(result.envelope.terminal_result).toBe("CHECKER_PASS");
    expect(result.envelope.result_class).toBe("success");
    expect(result.envelope.metadata.normalization_source).toBe("stdout_terminal_token");
    expect(result.raw.token_usage).toEqual({
      input_tokens: 1200,
      cached_input_tokens: 200,
      output_tokens: 34,
      thinking_tokens: 7,
      total_tokens: 1234,
      cache_write_input_tokens: 0,
    });
    expect(result.raw.session_id).toMatch(/^[0-9a-f-]{36}$/);
    const seen = JSON.parse(readFileSync(record, "utf8"));
    expect(seen.argv.at(-1)).toBe("-");
    expect(seen.stdin).toBe(readFileSync(result.artifacts.prompt, "utf8"));
    expect(seen.cwd).toBe(fx.root);
    expect(readFileSync(result.artifacts.lastMessage, "utf8")).toContain("### CHECKER_PASS");
    expect(readFileSync(result.artifacts.events, "utf8").split("\n").filter(Boolean).length).toBeGreaterThan(
      4,
    );
    const invocation = JSON.parse(
      readFileSync(result.artifacts.invocation, "utf8"),
    ) as RunnerInvocationArtifact;
    expect(invocation.command[0]).toBe(process.execPath);
    expect(invocation.env_var_names).toContain("CODEX_API_KEY");
    expect(JSON.stringify(invocation)).not.toContain("sk-fake-codex-key-000");
    expect(existsSync(result.stageResultPath as string)).toBe(true);
  });

  it.each([
    ["illegal-marker", "illegal_terminal_result", "completed"],
    ["no-marker", "missing_terminal_result", "completed"],
    ["two-markers", "conflicting_terminal_results", "completed"],
    ["crash", "runner_transport_failure", "runner_error"],
    ["exit-without-turn", "runner_transport_failure", "runner_error"],
    ["auth", "runner_auth_failure", "provider_error"],
    ["server-error", "provider_failure", "provider_error"],
  ])("scenario %s → %s", async (scenario, failureClass, exitKind) => {
    const fx = createStageFixture("builder");
    const result = await dispatch(fx, { config: fakeRunnerConfig("codex_cli", { scenario }) });
    expect(result.raw.exit_kind).toBe(exitKind);
    expect(result.envelope.metadata.failure_class).toBe(failureClass);
    expect(result.envelope.terminal_result).toBe("BLOCKED");
    expect(result.envelope.result_class).toBe("recoverable_failure");
    expect(result.envelope.retryable).toBe(true);
  });

  it("classifies a 401 turn.failed as an auth failure and leaves an empty -o file", async () => {
    const fx = createStageFixture("builder");
    const result = await dispatch(fx, { config: fakeRunnerConfig("codex_cli", { scenario: "auth" }) });
    expect(result.raw.failure_class).toBe("runner_auth_failure");
    expect(result.raw.notes.join("\n")).toContain("provider retry notices seen: 2");
    expect(readFileSync(result.artifacts.lastMessage, "utf8")).toBe("");
  });

  it("tolerates non-JSON lines, split writes and U+2028 inside strings", async () => {
    const fx = createStageFixture("builder");
    const result = await dispatch(fx, { config: fakeRunnerConfig("codex_cli", { scenario: "garbage" }) });
    expect(result.envelope.terminal_result).toBe("BUILDER_COMPLETE");
    expect(result.raw.notes.join(" ")).toContain("non-JSON");
  });

  it("fails in milliseconds without credentials instead of retrying until the deadline", async () => {
    const fx = createStageFixture("builder");
    const cfg = fakeRunnerConfig("codex_cli", {}, { runners: { codex: { env: { CODEX_API_KEY: "" } } } });
    const result = await dispatch(fx, { config: cfg, env: { PATH: process.env.PATH, HOME: fx.root } });
    expect(result.raw.exit_kind).toBe("provider_error");
    expect(result.raw.failure_class).toBe("runner_auth_failure");
    expect(readFileSync(result.artifacts.stderr, "utf8")).toContain("CODEX_API_KEY");
    expect(result.envelope.metadata.failure_class).toBe("runner_auth_failure");
  });

  it("reports a missing executable as runner_binary_not_found (exit 127)", async () => {
    const fx = createStageFixture("builder");
    const cfg = fakeRunnerConfig(
      "codex_cli",
      {},
      { runners: { codex: { command: path.join(fx.root, "no-such-codex"), args: ["exec"] } } },
    );
    const result = await dispatch(fx, { config: cfg });
    expect(result.raw.exit_code).toBe(127);
    expect(result.raw.failure_class).toBe("runner_binary_not_found");
    expect(readFileSync(result.artifacts.stderr, "utf8")).toContain("runner binary not found");
    expect(result.envelope.metadata.failure_class).toBe("runner_unavailable");
  });

  it("times out, kills the whole tree including a detached grandchild, and keeps stderr", async () => {
    const fx = createStageFixture("builder", { timeout_seconds: 1 });
    const tag = uniqueTag();
    const result = await dispatch(fx, {
      config: fakeRunnerConfig("codex_cli", { scenario: "leak", leakTag: tag }),
    });
    expect(result.raw.exit_kind).toBe("timeout");
    expect(result.raw.exit_code).toBe(124);
    expect(result.envelope.metadata.failure_class).toBe("runner_timeout");
    expect(result.envelope.metadata.timeout_reconciled).toBe(false);
    expect(livePidsWithArg(tag)).toEqual([]);
    expect(livePidsWithCwd(fx.root)).toEqual([]);
    const stderr = readFileSync(result.artifacts.stderr, "utf8");
    expect(stderr).toContain("OpenAI Codex (fake)");
    expect(stderr).toContain("runner timed out");
  });

  it("kills a grandchild leaked by a run that exited normally", async () => {
    const fx = createStageFixture("builder");
    const tag = uniqueTag();
    const result = await dispatch(fx, {
      config: fakeRunnerConfig("codex_cli", { scenario: "leak-then-exit", leakTag: tag }),
    });
    expect(result.envelope.success).toBe(true);
    expect(livePidsWithArg(tag)).toEqual([]);
    expect(livePidsWithCwd(fx.root)).toEqual([]);
  });

  it("reconciles a real timeout after the final legal marker (decision 6)", async () => {
    const fx = createStageFixture("builder", { timeout_seconds: 1 });
    const result = await dispatch(fx, {
      config: fakeRunnerConfig("codex_cli", { scenario: "marker-then-hang" }),
    });
    expect(result.raw.exit_kind).toBe("completed");
    expect(result.raw.observed_exit_kind).toBe("timeout");
    expect(result.raw.observed_exit_code).toBe(124);
    expect(result.envelope.terminal_result).toBe("BUILDER_COMPLETE");
    expect(result.envelope.metadata.timeout_reconciled).toBe(true);
  });

  it("does not reconcile a non-timeout failure even when a marker was printed", async () => {
    const fx = createStageFixture("builder");
    const result = await dispatch(fx, {
      config: fakeRunnerConfig("codex_cli", { scenario: "crash", finalText: "### BUILDER_COMPLETE" }),
    });
    expect(result.raw.exit_kind).toBe("runner_error");
    expect(result.envelope.metadata.timeout_reconciled).toBe(false);
  });

  it("stops a provider retry loop once the retry budget is spent", async () => {
    const fx = createStageFixture("builder", { timeout_seconds: 20 });
    const started = Date.now();
    const result = await dispatch(fx, { config: fakeRunnerConfig("codex_cli", { scenario: "retry-loop" }) });
    expect(result.raw.exit_kind).toBe("provider_error");
    expect(result.raw.failure_class).toBe("runner_retry_exhausted");
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("never writes a secret from the environment into any artifact", async () => {
    const fx = createStageFixture("builder");
    const secret = "sk-test-SECRET-4f9a8b7c6d5e";
    const cfg = fakeRunnerConfig(
      "codex_cli",
      { scenario: "echo-secret" },
      { runners: { codex: { env: { CODEX_API_KEY: secret } } } },
    );
    const result = await dispatch(fx, {
      config: cfg,
      env: { ...process.env, OPENAI_API_KEY: "sk-other-SECRET-123456" },
    });
    expect(result.envelope.success).toBe(true);
    for (const [file, content] of runFiles(fx.runDir)) {
      expect(content.includes(secret), file).toBe(false);
      expect(content.includes("sk-other-SECRET-123456"), file).toBe(false);
    }
    expect(readFileSync(result.artifacts.stderr, "utf8")).toContain("[redacted:CODEX_API_KEY]");
  });
});
