// The failure side of the contract, still with the real CLIs: a model API that refuses every call,
// and a model that never prints a terminal marker. Either way the stage must come back as a
// recoverable failure (### BLOCKED), promptly, and no tool may have run.
import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CliId } from "../src/clis.js";
import { type FakeModelServer, startFakeModelServer } from "../src/fake-model-server.js";
import { type ContractSandbox, createSandbox } from "../src/sandbox.js";
import { describeDispatch, dispatchBuilder, processesOfSandbox } from "./adapter-harness.js";
import { PROOF_FILE, requireCli, SHELL_COMMAND, SKIP_CONTRACT } from "./contract-setup.js";

const CLIS: CliId[] = ["codex", "claude", "pi"];

describe.skipIf(SKIP_CONTRACT)("runner adapters against the real CLIs: failures", () => {
  let server: FakeModelServer | undefined;
  let sandbox: ContractSandbox | undefined;
  afterEach(async () => {
    await server?.close();
    sandbox?.remove();
    server = undefined;
    sandbox = undefined;
  });

  it.each(CLIS)(
    "%s: a model API answering 401 is runner_auth_failure (the engine holds the stage and pauses)",
    async (id) => {
      requireCli(id);
      server = await startFakeModelServer({
        shellCommand: SHELL_COMMAND,
        finalText: "unused",
        failStatus: 401,
      });
      sandbox = createSandbox(`${id}-401`);
      const result = await dispatchBuilder(id, sandbox, server);
      const context = describeDispatch(result);
      expect(result.raw.exit_kind, context).toBe("provider_error");
      expect(result.raw.failure_class, context).toBe("runner_auth_failure");
      expect(result.envelope.metadata.failure_class).toBe("runner_auth_failure");
      expect(result.envelope.success, context).toBe(false);
      expect(result.envelope.terminal_result).toBe("BLOCKED");
      expect(result.envelope.result_class).toBe("recoverable_failure");
      expect(result.envelope.metadata.valid_terminal_result).toBe(false);
      // Retries are off in every CLI's setup: one refused call, then the stage ends.
      expect(server.requests.length, context).toBe(1);
      expect(server.requests.every((r) => r.reply === "refused")).toBe(true);
      expect(existsSync(path.join(sandbox.workspace, PROOF_FILE))).toBe(false);
    },
  );

  async function expectDeadlineHandled(id: CliId): Promise<void> {
    requireCli(id);
    server = await startFakeModelServer({ shellCommand: SHELL_COMMAND, finalText: "unused", hang: true });
    sandbox = createSandbox(`${id}-hang`);
    const result = await dispatchBuilder(id, sandbox, server, { timeoutSeconds: 4 });
    const context = describeDispatch(result);
    expect(result.raw.exit_kind, context).toBe("timeout");
    expect(result.envelope.success).toBe(false);
    expect(result.envelope.terminal_result).toBe("BLOCKED");
    expect(result.envelope.metadata.failure_class, context).toBe("runner_timeout");
    expect(server.requests.map((r) => r.reply)).toContain("hung");
    expect(processesOfSandbox(sandbox), "processes still running with the sandbox HOME").toEqual([]);
  }

  it.each(CLIS)("%s: a hung model API hits the stage deadline and leaves no process behind", (id) =>
    expectDeadlineHandled(id),
  );

  it.each(CLIS)("%s: a final answer without a marker is missing_terminal_result", async (id) => {
    requireCli(id);
    server = await startFakeModelServer({
      shellCommand: SHELL_COMMAND,
      finalText: "All done, no marker here.",
    });
    sandbox = createSandbox(`${id}-nomarker`);
    const result = await dispatchBuilder(id, sandbox, server);
    const context = describeDispatch(result);
    expect(result.raw.exit_kind, context).toBe("completed");
    expect(result.envelope.success, context).toBe(false);
    expect(result.envelope.terminal_result).toBe("BLOCKED");
    expect(result.envelope.result_class).toBe("recoverable_failure");
    expect(result.envelope.metadata.failure_class, context).toBe("missing_terminal_result");
    // The agent still did the work; only the closing contract was broken.
    expect(existsSync(path.join(sandbox.workspace, PROOF_FILE))).toBe(true);
    expect(result.envelope.token_usage?.output_tokens).toBe(80);
  });
});
