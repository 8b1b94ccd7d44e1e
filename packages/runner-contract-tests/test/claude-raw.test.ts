// Claude Code 2.1 `-p --output-format stream-json` against the fake Messages endpoint, spawned
// directly (no adapter): proves the harness on its own before the adapter-level tests rely on it.
import { describe, expect, it } from "vitest";
import { cliCommand } from "../src/clis.js";
import { CLAUDE_MODEL, claudeSetup } from "../src/sandbox.js";
import { describeRun, runCli } from "../src/spawn-cli.js";
import {
  expectProofWritten,
  PROMPT,
  RUN_TIMEOUT_MS,
  SKIP_CONTRACT,
  useRawHarness,
} from "./contract-setup.js";

describe.skipIf(SKIP_CONTRACT)("real claude -p against the fake Messages API", () => {
  const harness = useRawHarness("claude", "claude-raw");

  it("runs the Bash tool, ends with the marker and reports result usage", async () => {
    const { server, sandbox } = harness;
    const { env } = claudeSetup(sandbox, server);
    const run = await runCli(
      [
        ...cliCommand("claude"),
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--no-session-persistence",
        "--model",
        CLAUDE_MODEL,
        "--dangerously-skip-permissions",
      ],
      { cwd: sandbox.workspace, env, stdin: PROMPT, timeoutMs: RUN_TIMEOUT_MS },
    );
    expect(run.code, describeRun(run)).toBe(0);

    expectProofWritten(sandbox.workspace, describeRun(run));

    const result = run.events.find((e) => e.type === "result") as Record<string, unknown> | undefined;
    expect(result, describeRun(run)).toBeDefined();
    expect(result?.is_error).toBe(false);
    expect(String(result?.result).trim().split("\n").at(-1)).toBe("### BUILDER_COMPLETE");
    // Two model calls of 1000 non-cached input, 200 cache read, 100 cache write, 40 output.
    expect(result?.usage).toMatchObject({
      input_tokens: 2000,
      cache_read_input_tokens: 400,
      cache_creation_input_tokens: 200,
      output_tokens: 80,
    });

    const conversation = server.conversation("anthropic-messages");
    expect(conversation.map((r) => r.reply)).toEqual(["tool_call", "final_text"]);
    expect(conversation[0]?.shellToolName).toBe("Bash");
    expect(conversation[0]?.headers["x-api-key"]).toBe("sk-millrace-contract-fake");
    // With non-essential traffic off, Claude calls nothing but the Messages endpoint.
    expect(new Set(server.requests.map((r) => `${r.method} ${r.url}`))).toEqual(
      new Set(["POST /v1/messages?beta=true"]),
    );
  });
});
