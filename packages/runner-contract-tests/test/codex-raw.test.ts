// Codex 0.169 `exec --json` against the fake Responses endpoint, spawned directly (no adapter): proves
// the harness on its own before the adapter-level tests rely on it. Both tool styles are covered: a
// catalog model with plain function tools, and the default model, whose only tool is code mode's `exec`.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cliCommand } from "../src/clis.js";
import { CODEX_MODEL, codexSetup } from "../src/sandbox.js";
import { describeRun, runCli } from "../src/spawn-cli.js";
import {
  expectProofWritten,
  PROMPT,
  RUN_TIMEOUT_MS,
  SKIP_CONTRACT,
  useRawHarness,
} from "./contract-setup.js";

describe.skipIf(SKIP_CONTRACT)("real codex exec against the fake Responses API", () => {
  const harness = useRawHarness("codex", "codex-raw");

  it.each([
    { label: `${CODEX_MODEL} (function tools)`, model: CODEX_MODEL, tool: "exec_command" },
    { label: "the default model (code mode)", model: undefined, tool: "exec" },
  ])("$label: runs the shell tool, ends with the marker, reports turn usage", async ({ model, tool }) => {
    const { server, sandbox } = harness;
    const { env, configOverrides } = codexSetup(sandbox, server);
    const lastMessage = path.join(sandbox.root, "last-message.txt");
    const run = await runCli(
      [
        ...cliCommand("codex"),
        "exec",
        "--json",
        "--skip-git-repo-check",
        "--ephemeral",
        "--dangerously-bypass-approvals-and-sandbox",
        ...(model ? ["-m", model] : []),
        "-C",
        sandbox.workspace,
        "-o",
        lastMessage,
        ...configOverrides.flatMap((item) => ["-c", item]),
        "-",
      ],
      { cwd: sandbox.workspace, env, stdin: PROMPT, timeoutMs: RUN_TIMEOUT_MS },
    );
    expect(run.code, describeRun(run)).toBe(0);

    expectProofWritten(sandbox.workspace, describeRun(run));

    const commands = run.events.filter(
      (e) => e.type === "item.completed" && (e.item as { type?: string }).type === "command_execution",
    );
    expect(commands, describeRun(run)).toHaveLength(1);
    expect((commands[0]?.item as { exit_code?: number } | undefined)?.exit_code).toBe(0);

    const messages = run.events.filter(
      (e) => e.type === "item.completed" && (e.item as { type?: string }).type === "agent_message",
    );
    const finalText = (messages.at(-1)?.item as { text?: string } | undefined)?.text ?? "";
    expect(finalText.trim().split("\n").at(-1)).toBe("### BUILDER_COMPLETE");
    expect(readFileSync(lastMessage, "utf8").trim().split("\n").at(-1)).toBe("### BUILDER_COMPLETE");

    const completed = run.events.find((e) => e.type === "turn.completed");
    // Two model calls of 1200 input (200 cached), 40 output (8 reasoning), summed over the turn.
    expect(completed?.usage).toMatchObject({
      input_tokens: 2400,
      cached_input_tokens: 400,
      output_tokens: 80,
      reasoning_output_tokens: 16,
    });

    const conversation = server.conversation("openai-responses");
    expect(conversation.map((r) => r.reply)).toEqual(["tool_call", "final_text"]);
    expect(conversation[0]?.shellToolName).toBe(tool);
    expect(conversation[0]?.headers.authorization).toBe("Bearer sk-millrace-contract-fake");
    // Nothing but the two model calls reached the server (no WebSocket probe, no side traffic).
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "POST /v1/responses",
      "POST /v1/responses",
    ]);
  });
});
