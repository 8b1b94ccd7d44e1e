// Governance against the REAL Codex CLI: the grants a stage gets decide Codex's sandbox flags, and
// the usage ledger counts exactly what Codex reported in its `turn.completed` events (the loopback
// fake model reports usage on every call).
import { readFileSync } from "node:fs";
import { MillraceConfigSchema } from "@millrace/contracts";
import { ledgerEntryFor, resolveCapabilityGrants } from "@millrace/governance";
import { workspacePaths } from "@millrace/workspace";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLI_PINS } from "../src/clis.js";
import { type FakeModelServer, startFakeModelServer } from "../src/fake-model-server.js";
import { type ContractSandbox, createSandbox } from "../src/sandbox.js";
import { describeDispatch, dispatchBuilder } from "./adapter-harness.js";
import { FINAL_TEXT, requireCli, SHELL_COMMAND, SKIP_CONTRACT } from "./contract-setup.js";

/** The usage Codex itself reported: the sum over its `turn.completed` events. */
function turnCompletedUsage(eventLog: string): { input: number; cached: number; output: number } {
  const sum = { input: 0, cached: 0, output: 0 };
  for (const line of readFileSync(eventLog, "utf8").split("\n")) {
    if (!line.includes('"turn.completed"')) continue;
    const usage = (JSON.parse(line) as { usage?: Record<string, number> }).usage ?? {};
    sum.input += usage.input_tokens ?? 0;
    sum.cached += usage.cached_input_tokens ?? 0;
    sum.output += usage.output_tokens ?? 0;
  }
  return sum;
}

describe.skipIf(SKIP_CONTRACT)(`governance with the real codex ${CLI_PINS.codex.version}`, () => {
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

  it("grants become the sandbox flags, and the ledger counts Codex's turn.completed usage once", async () => {
    requireCli("codex");
    sandbox = createSandbox("codex-governed");
    const grants = resolveCapabilityGrants({
      stageKindRequests: [
        { request_id: "write", capability_id: "workspace.write", access: "write" },
        { request_id: "shell", capability_id: "shell.run", access: "execute" },
      ],
      target: { nodeId: "builder", stageKindId: "builder" },
      config: MillraceConfigSchema.parse({}).execution_capabilities,
    });
    const result = await dispatchBuilder("codex", sandbox, server, { capabilityGrants: grants });
    const context = describeDispatch(result);
    expect(result.envelope.terminal_result, context).toBe("BUILDER_COMPLETE");

    const invocation = JSON.parse(readFileSync(result.artifacts.invocation, "utf8")) as { command: string[] };
    const argv = invocation.command.join(" ");
    expect(argv).toContain("--sandbox workspace-write");
    expect(argv).toContain('approval_policy="never"');
    expect(argv).not.toContain("--dangerously-bypass-approvals-and-sandbox");

    const reported = turnCompletedUsage(result.raw.event_log_path ?? "");
    expect(reported.output, context).toBe(80);
    const entry = ledgerEntryFor(result.envelope, {
      paths: workspacePaths(sandbox.workspace),
      resultPath: result.stageResultPath ?? "",
      countedAt: new Date(),
      daemonSessionId: null,
      prices: {},
    });
    expect(entry?.token_usage).toMatchObject({
      input_tokens: reported.input,
      cached_input_tokens: reported.cached,
      output_tokens: reported.output,
    });
    expect(entry?.runner_name).toBe("codex_cli");
  });
});
