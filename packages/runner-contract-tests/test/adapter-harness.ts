// Dispatching one builder stage through a built-in adapter at a real CLI, for the adapter tests.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { type CapabilityGrant, type MillraceConfigInput, MillraceConfigSchema } from "@millrace/contracts";
import { createRunnerRegistry, type DispatchResult, dispatchStage } from "@millrace/runners";
import { createStageFixture } from "@millrace/runners/testing";
import { type CliId, cliCommand } from "../src/clis.js";
import type { FakeModelServer } from "../src/fake-model-server.js";
import {
  CLAUDE_MODEL,
  CODEX_MODEL,
  type ContractSandbox,
  claudeSetup,
  codexSetup,
  hermeticBaseEnv,
  PI_MODEL,
  PI_PROVIDER,
  piSetup,
} from "../src/sandbox.js";
import { RUN_TIMEOUT_MS } from "./contract-setup.js";

export const RUNNER_OF: Record<CliId, "codex_cli" | "claude_code" | "pi_rpc"> = {
  codex: "codex_cli",
  claude: "claude_code",
  pi: "pi_rpc",
};

/** The `[runners.*]` table and model that point one built-in adapter at the real CLI and the fake. */
export function runnerSetup(
  id: CliId,
  sandbox: ContractSandbox,
  server: FakeModelServer,
): { model: string; runners: MillraceConfigInput["runners"] } {
  switch (id) {
    case "codex": {
      const { cliEnv, configOverrides } = codexSetup(sandbox, server);
      const [node, entry] = cliCommand("codex") as [string, string];
      return {
        model: CODEX_MODEL,
        runners: {
          codex: { command: node, args: [entry, "exec"], extra_config: configOverrides, env: cliEnv },
        },
      };
    }
    case "claude": {
      const { cliEnv } = claudeSetup(sandbox, server);
      const [binary] = cliCommand("claude") as [string];
      return { model: CLAUDE_MODEL, runners: { claude: { command: binary, args: [], env: cliEnv } } };
    }
    case "pi": {
      const { cliEnv } = piSetup(sandbox, server);
      const [node, entry] = cliCommand("pi") as [string, string];
      return {
        model: PI_MODEL,
        runners: {
          pi: {
            command: node,
            args: [entry, "--no-extensions", "--no-prompt-templates"],
            provider: PI_PROVIDER,
            env: cliEnv,
          },
        },
      };
    }
  }
}

/** Runs a builder stage on `id`'s adapter through the dispatcher, from a hermetic base environment. */
export async function dispatchBuilder(
  id: CliId,
  sandbox: ContractSandbox,
  server: FakeModelServer,
  options: { timeoutSeconds?: number; capabilityGrants?: CapabilityGrant[] } = {},
): Promise<DispatchResult> {
  const runner = RUNNER_OF[id];
  const { model, runners } = runnerSetup(id, sandbox, server);
  const config = MillraceConfigSchema.parse({ runners: { default_runner: runner, ...runners } });
  const fixture = createStageFixture(
    "builder",
    {
      runner_name: runner,
      model_name: model,
      timeout_seconds: options.timeoutSeconds ?? RUN_TIMEOUT_MS / 1000,
      ...(options.capabilityGrants ? { capability_grants: options.capabilityGrants } : {}),
    },
    { root: sandbox.workspace },
  );
  return dispatchStage(fixture.request, {
    registry: createRunnerRegistry(),
    config,
    workspaceRoot: sandbox.workspace,
    env: hermeticBaseEnv(sandbox.home),
    limits: { killGraceMs: 3_000 },
  });
}

/**
 * Pids of live processes started for this sandbox: every process the CLIs start inherits its HOME,
 * so scanning /proc/<pid>/environ finds descendants even after they left the process group.
 */
export function processesOfSandbox(sandbox: ContractSandbox): number[] {
  const needle = `HOME=${sandbox.home}\0`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (`${readFileSync(`/proc/${entry}/environ`, "latin1")}\0`.includes(needle)) found.push(Number(entry));
    } catch {}
  }
  return found;
}

/** The envelope, the raw notes and the tails of the captured output, for assertion messages. */
export function describeDispatch(result: DispatchResult): string {
  const read = (file: string | null | undefined) =>
    file && existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-25).join("\n") : "(none)";
  return [
    `envelope: ${JSON.stringify(result.envelope, null, 2)}`,
    `raw: exit_kind ${result.raw.exit_kind}, failure_class ${result.raw.failure_class}, notes ${JSON.stringify(result.raw.notes)}`,
    `--- stderr (tail) ---\n${read(result.raw.stderr_path)}`,
    `--- stdout (tail) ---\n${read(result.raw.stdout_path)}`,
    `--- events (tail) ---\n${read(result.raw.event_log_path)}`,
  ].join("\n");
}
