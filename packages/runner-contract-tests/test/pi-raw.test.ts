// Pi 0.73 `--mode rpc` against the fake Messages endpoint (configured through models.json), driven
// directly (no adapter): proves the harness on its own before the adapter-level tests rely on it.
import { describe, expect, it } from "vitest";
import { cliCommand } from "../src/clis.js";
import { runPiRpcPrompt } from "../src/pi-rpc-session.js";
import { PI_MODEL, PI_PROVIDER, piSetup } from "../src/sandbox.js";
import {
  expectProofWritten,
  PROMPT,
  RUN_TIMEOUT_MS,
  SKIP_CONTRACT,
  useRawHarness,
} from "./contract-setup.js";

describe.skipIf(SKIP_CONTRACT)("real pi --mode rpc against the fake Messages API", () => {
  const harness = useRawHarness("pi", "pi-raw");

  it("runs the bash tool, ends with the marker and reports per-call usage", async () => {
    const { server, sandbox } = harness;
    const { env } = piSetup(sandbox, server);
    const transcript = await runPiRpcPrompt(
      [
        ...cliCommand("pi"),
        "--mode",
        "rpc",
        "--no-session",
        "--provider",
        PI_PROVIDER,
        "--model",
        PI_MODEL,
        "--no-extensions",
        "--no-skills",
        "--no-prompt-templates",
        "--no-context-files",
      ],
      { cwd: sandbox.workspace, env, prompt: PROMPT, timeoutMs: RUN_TIMEOUT_MS },
    );
    const context = `exit ${transcript.code}${transcript.timedOut ? " (timed out)" : ""}\n--- stderr ---\n${transcript.stderr}\n--- events ---\n${transcript.events
      .map((e) => JSON.stringify(e).slice(0, 300))
      .join("\n")}`;
    expect(transcript.responses.get("prompt")?.success, context).toBe(true);
    expect(transcript.timedOut, context).toBe(false);

    expectProofWritten(sandbox.workspace, context);

    const toolEnds = transcript.events.filter((e) => e.type === "tool_execution_end");
    expect(toolEnds, context).toHaveLength(1);
    expect(toolEnds[0]?.toolName).toBe("bash");
    expect(toolEnds[0]?.isError).toBe(false);

    expect(transcript.lastAssistantText?.trim().split("\n").at(-1), context).toBe("### BUILDER_COMPLETE");

    const assistantEnds = transcript.events.filter(
      (e) => e.type === "message_end" && (e.message as { role?: string }).role === "assistant",
    );
    const usages = assistantEnds.map((e) => (e.message as { usage: Record<string, number> }).usage);
    expect(usages).toHaveLength(2);
    for (const usage of usages) {
      expect(usage).toMatchObject({ input: 1000, cacheRead: 200, cacheWrite: 100, output: 40 });
    }
    const tokens = transcript.sessionStats?.tokens as Record<string, number> | undefined;
    expect(tokens).toMatchObject({ input: 2000, output: 80, cacheRead: 400, cacheWrite: 200 });

    const conversation = server.conversation("anthropic-messages");
    expect(conversation.map((r) => r.reply)).toEqual(["tool_call", "final_text"]);
    expect(conversation[0]?.shellToolName).toBe("bash");
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "POST /v1/messages",
      "POST /v1/messages",
    ]);
  });
});
