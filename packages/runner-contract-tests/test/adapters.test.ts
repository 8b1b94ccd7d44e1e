// Our runner adapters (@millrace/runners: codex_cli, claude_code, pi_rpc) driving the REAL agent
// CLIs through the dispatcher, each pointed at the loopback fake model. One stage each: the agent
// runs one shell command that writes proof.txt, then answers with `### BUILDER_COMPLETE`.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { DispatchResult } from "@millrace/runners";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLI_PINS } from "../src/clis.js";
import { type FakeModelServer, startFakeModelServer } from "../src/fake-model-server.js";
import { type ContractSandbox, createSandbox } from "../src/sandbox.js";
import { describeDispatch, dispatchBuilder } from "./adapter-harness.js";
import {
  expectProofWritten,
  FINAL_TEXT,
  requireCli,
  SHELL_COMMAND,
  SKIP_CONTRACT,
} from "./contract-setup.js";

function expectBuilderComplete(result: DispatchResult): void {
  const context = describeDispatch(result);
  expect(result.raw.exit_kind, context).toBe("completed");
  expect(result.envelope.terminal_result, context).toBe("BUILDER_COMPLETE");
  expect(result.envelope.result_class, context).toBe("success");
  expect(result.envelope.summary_status_marker).toBe("### BUILDER_COMPLETE");
  expect(result.envelope.success).toBe(true);
  const usage = result.envelope.token_usage;
  expect(usage, context).toBeTruthy();
  expect(usage?.input_tokens).toBeGreaterThan(0);
  // Two model calls of 40 output tokens each, whatever the CLI's own accounting.
  expect(usage?.output_tokens).toBe(80);
  // Both calls read 200 tokens from the cache; every CLI reports it, each in its own field.
  expect(usage?.cached_input_tokens).toBe(400);
  expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));
  expect(result.stageResultPath && existsSync(result.stageResultPath)).toBe(true);
  for (const artifact of [
    result.artifacts.prompt,
    result.artifacts.invocation,
    result.artifacts.completion,
  ]) {
    expect(existsSync(artifact), artifact).toBe(true);
  }
}

describe.skipIf(SKIP_CONTRACT)("runner adapters against the real CLIs", () => {
  let server: FakeModelServer;
  let sandbox: ContractSandbox | undefined;

  beforeEach(async () => {
    server = await startFakeModelServer({ shellCommand: SHELL_COMMAND, finalText: FINAL_TEXT });
  });
  afterEach(async () => {
    await server.close();
    sandbox?.remove();
    sandbox = undefined;
  });

  it(`codex_cli drives codex ${CLI_PINS.codex.version}`, async () => {
    requireCli("codex");
    sandbox = createSandbox("codex-adapter");
    const result = await dispatchBuilder("codex", sandbox, server);
    expectProofWritten(sandbox.workspace, describeDispatch(result));
    expectBuilderComplete(result);
    // Codex counts cached tokens inside input_tokens: 2 calls x (1000 + 200 cached).
    expect(result.envelope.token_usage?.input_tokens).toBe(2400);
    expect(server.conversation("openai-responses").map((r) => r.reply)).toEqual(["tool_call", "final_text"]);
    const invocation = JSON.parse(readFileSync(result.artifacts.invocation, "utf8")) as { command: string[] };
    expect(invocation.command).toContain("--json");
    expect(path.basename(result.raw.event_log_path ?? "")).toMatch(/^runner_events\./);
  });

  it(`claude_code drives Claude Code ${CLI_PINS.claude.version}`, async () => {
    requireCli("claude");
    sandbox = createSandbox("claude-adapter");
    const result = await dispatchBuilder("claude", sandbox, server);
    expectProofWritten(sandbox.workspace, describeDispatch(result));
    expectBuilderComplete(result);
    expect(server.conversation("anthropic-messages").map((r) => r.reply)).toEqual([
      "tool_call",
      "final_text",
    ]);
  });

  it(`pi_rpc drives Pi ${CLI_PINS.pi.version}`, async () => {
    requireCli("pi");
    sandbox = createSandbox("pi-adapter");
    const result = await dispatchBuilder("pi", sandbox, server);
    expectProofWritten(sandbox.workspace, describeDispatch(result));
    expectBuilderComplete(result);
    expect(server.conversation("anthropic-messages").map((r) => r.reply)).toEqual([
      "tool_call",
      "final_text",
    ]);
  });
});
