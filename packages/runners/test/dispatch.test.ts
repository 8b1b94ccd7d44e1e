import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  RunnerCompletionArtifactSchema,
  RunnerInvocationArtifactSchema,
  StageResultEnvelopeSchema,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import {
  createRunnerRegistry,
  dispatchStage,
  type RunnerAdapter,
  resolveRunnerName,
  unknownConfiguredRunners,
} from "../src/index.js";
import { createStageFixture, fakeRunnerConfig } from "../src/testing/index.js";
import { config } from "./helpers.js";

const echoAdapter = (
  name: string,
  body: (ctx: Parameters<RunnerAdapter["run"]>[1]) => void = () => {},
): RunnerAdapter => ({
  name,
  async run(request, ctx) {
    body(ctx);
    return {
      request_id: request.request_id,
      run_id: request.run_id,
      stage: request.stage,
      runner_name: name,
      exit_kind: "completed",
      exit_code: 0,
      stdout_path: ctx.artifacts.stdout,
      started_at: "2026-01-01T00:00:00Z",
      ended_at: "2026-01-01T00:00:01Z",
    };
  },
});

describe("registry", () => {
  it("holds the built-ins, sorted, and accepts embedder adapters", () => {
    const registry = createRunnerRegistry();
    expect(registry.names()).toEqual(["claude_code", "codex_cli", "pi_rpc", "scripted"]);
    registry.register(echoAdapter("mine"));
    expect(registry.has("mine")).toBe(true);
    expect(() => registry.register(echoAdapter("mine"))).toThrow(/already registered/);
    expect(createRunnerRegistry({ builtins: false }).names()).toEqual([]);
  });

  it("resolves request runner, then default_runner, then codex_cli", () => {
    expect(resolveRunnerName("  pi_rpc ", "scripted")).toBe("pi_rpc");
    expect(resolveRunnerName("  ", "scripted")).toBe("scripted");
    expect(resolveRunnerName(undefined, "")).toBe("codex_cli");
  });

  it("lists unknown configured runners", () => {
    const cfg = config({
      runners: { default_runner: "nope" },
      stages: { builder: { runner: "ghost" }, checker: { runner: "pi_rpc" } },
    });
    expect(unknownConfiguredRunners(createRunnerRegistry(), cfg)).toEqual(["ghost", "nope"]);
  });
});

describe("dispatchStage", () => {
  it("refuses an unknown runner with the available names, before writing anything", async () => {
    const fx = createStageFixture("builder", { runner_name: "ghost" });
    await expect(
      dispatchStage(fx.request, { registry: createRunnerRegistry(), config: config() }),
    ).rejects.toMatchObject({
      code: "runner_unknown",
      message: "Unknown stage runner: ghost. Available: claude_code, codex_cli, pi_rpc, scripted",
    });
    expect(existsSync(path.join(fx.runDir, `runner_prompt.${fx.request.request_id}.md`))).toBe(false);
  });

  it("refuses an invalid request with runner_request_invalid", async () => {
    const fx = createStageFixture("builder");
    await expect(
      dispatchStage(
        { ...fx.request, stage: "planner" },
        { registry: createRunnerRegistry(), config: config() },
      ),
    ).rejects.toMatchObject({ code: "runner_request_invalid" });
  });

  it("runs the agent in workingDirectory (a lane's worktree) while run artifacts stay in the runtime folder", async () => {
    const fx = createStageFixture("builder");
    const worktree = mkdtempSync(path.join(os.tmpdir(), "millrace-worktree-"));
    const seen: Array<{ workspaceRoot: string; runtimeRoot: string }> = [];
    const registry = createRunnerRegistry();
    registry.register(
      echoAdapter("echo", (ctx) => {
        seen.push({ workspaceRoot: ctx.workspaceRoot, runtimeRoot: ctx.runtimeRoot });
        writeFileSync(ctx.artifacts.stdout, "### BUILDER_COMPLETE\n");
      }),
    );
    const result = await dispatchStage(
      { ...fx.request, runner_name: "echo" },
      { registry, config: config(), workingDirectory: worktree },
    );
    expect(result.envelope.success).toBe(true);
    expect(seen).toEqual([{ workspaceRoot: path.resolve(worktree), runtimeRoot: fx.runtimeRoot }]);
    expect(result.stageResultPath?.startsWith(fx.runDir)).toBe(true);
  });

  it("writes prompt, invocation, completion and stage result artifacts that match their schemas", async () => {
    const fx = createStageFixture("builder");
    const registry = createRunnerRegistry();
    registry.register(
      echoAdapter("echo", (ctx) => {
        ctx.recordInvocation({ command: ["echo", "hi"], envVarNames: ["A_KEY"] });
        writeFileSync(ctx.artifacts.stdout, "### BUILDER_COMPLETE\n");
      }),
    );
    const ticks = [0, 1, 2, 3, 4, 5].map((s) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)));
    let n = 0;
    const result = await dispatchStage(
      { ...fx.request, runner_name: "echo" },
      { registry, config: config(), clock: () => ticks[Math.min(n++, ticks.length - 1)] as Date },
    );
    expect(result.envelope.success).toBe(true);
    const invocation = RunnerInvocationArtifactSchema.parse(
      JSON.parse(readFileSync(result.artifacts.invocation, "utf8")),
    );
    expect(invocation.command).toEqual(["echo", "hi"]);
    expect(invocation.env_var_names).toEqual(["A_KEY"]);
    expect(invocation.emitted_at).toMatch(/^2026-01-01T00:00:0[0-5]Z$/);
    const completion = RunnerCompletionArtifactSchema.parse(
      JSON.parse(readFileSync(result.artifacts.completion, "utf8")),
    );
    expect(completion.exit_kind).toBe("completed");
    StageResultEnvelopeSchema.parse(JSON.parse(readFileSync(result.stageResultPath as string, "utf8")));
    expect(readFileSync(result.artifacts.prompt, "utf8")).toContain("Stage Request Context:");
  });

  it("durableStageResult: false writes the same stage result (its caller journals it instead)", async () => {
    const fx = createStageFixture("builder");
    const registry = createRunnerRegistry({ builtins: false });
    registry.register(echoAdapter("echo"));
    const result = await dispatchStage(
      { ...fx.request, runner_name: "echo" },
      { registry, config: config(), durableStageResult: false },
    );
    const text = readFileSync(result.stageResultPath as string, "utf8");
    expect(text).toBe(`${JSON.stringify(result.envelope, null, 2)}\n`);
    expect(StageResultEnvelopeSchema.safeParse(JSON.parse(text)).success).toBe(true);
  });

  it("turns an adapter exception into a runner_error result with the message kept", async () => {
    const fx = createStageFixture("builder");
    const registry = createRunnerRegistry({ builtins: false });
    registry.register({
      name: "boom",
      async run() {
        throw new Error("kaput");
      },
    });
    const result = await dispatchStage(
      { ...fx.request, runner_name: "boom" },
      { registry, config: config() },
    );
    expect(result.raw.exit_kind).toBe("runner_error");
    expect(result.raw.notes).toEqual(["runner boom failed: kaput"]);
    expect(result.envelope.metadata.failure_class).toBe("runner_transport_failure");
    expect(existsSync(result.artifacts.invocation)).toBe(true);
  });

  it("turns an invalid raw result into a transport failure", async () => {
    const fx = createStageFixture("builder");
    const registry = createRunnerRegistry({ builtins: false });
    registry.register({ name: "bad", run: async () => ({ nonsense: true }) as never });
    const result = await dispatchStage({ ...fx.request, runner_name: "bad" }, { registry, config: config() });
    expect(result.raw.notes[0]).toContain("invalid raw result");
  });

  it("moves a stale millrace_result.json aside so a later stage never reads it", async () => {
    const fx = createStageFixture("builder");
    const stale = path.join(fx.runDir, "millrace_result.json");
    writeFileSync(stale, JSON.stringify({ terminal_result: "BLOCKED" }));
    const registry = createRunnerRegistry();
    registry.register(
      echoAdapter("echo", (ctx) => writeFileSync(ctx.artifacts.stdout, "### BUILDER_COMPLETE\n")),
    );
    const result = await dispatchStage(
      { ...fx.request, runner_name: "echo" },
      { registry, config: config() },
    );
    expect(result.envelope.terminal_result).toBe("BUILDER_COMPLETE");
    expect(existsSync(path.join(fx.runDir, `millrace_result.stale.${fx.request.request_id}.json`))).toBe(
      true,
    );
  });

  it("reports an aborted stage as interrupted", async () => {
    const fx = createStageFixture("builder", { timeout_seconds: 30 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const result = await dispatchStage(fx.request, {
      registry: createRunnerRegistry(),
      config: fakeRunnerConfig("codex_cli", { scenario: "hang" }),
      signal: controller.signal,
      limits: { killGraceMs: 300 },
    });
    expect(result.raw.exit_kind).toBe("interrupted");
    expect(result.envelope.metadata.failure_class).toBe("runner_transport_failure");
  });
});
