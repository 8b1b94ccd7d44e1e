// A throwaway home + workspace per test, and the hermetic environment each CLI is started with:
// an allowlist, never the caller's environment, so no real credentials, config or proxy leak in and
// nothing is written to the real home.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FakeModelServer } from "./fake-model-server.js";

export interface ContractSandbox {
  root: string;
  /** Fake HOME for the CLI. */
  home: string;
  /** The agent's working directory (what a Millrace workspace root would be). */
  workspace: string;
  remove(): void;
}

export function createSandbox(label: string): ContractSandbox {
  const root = mkdtempSync(path.join(os.tmpdir(), `millrace-contract-${label}-`));
  const home = path.join(root, "home");
  const workspace = path.join(root, "workspace");
  mkdirSync(home, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  return {
    root,
    home,
    workspace,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Variables every CLI gets: enough to find a shell and tools, nothing else from the caller. */
export function hermeticBaseEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    // The CLIs keep scratch in the temp folder (Claude: a folder per workspace, sockets; Codex: locks):
    // the test run's own one (scripts/vitest-temp-root.mjs), removed when the run ends.
    TMPDIR: os.tmpdir(),
    LANG: "C.UTF-8",
    TERM: "dumb",
    NO_COLOR: "1",
    // Loopback must never go through a proxy a CI runner may configure.
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
  };
}

export const FAKE_KEY = "sk-millrace-contract-fake";

/**
 * A catalog model whose tools are plain function tools (`exec_command {cmd}`). Codex 0.169's default
 * models are "code mode only": their one tool runs JavaScript that calls the shell tool.
 */
export const CODEX_MODEL = "gpt-5.5";

/** Codex: a custom model provider pointed at the fake; the key comes from `FAKE_KEY`. */
export function codexSetup(sandbox: ContractSandbox, server: FakeModelServer) {
  const codexHome = path.join(sandbox.home, ".codex");
  mkdirSync(codexHome, { recursive: true });
  const cliEnv = { CODEX_HOME: codexHome, FAKE_KEY };
  const env = { ...hermeticBaseEnv(sandbox.home), ...cliEnv };
  const configOverrides = [
    'model_provider="fake"',
    `model_providers.fake={name="fake",base_url="${server.origin}/v1",wire_api="responses",env_key="FAKE_KEY",stream_max_retries=0,request_max_retries=0}`,
  ];
  return { env, cliEnv, configOverrides, codexHome };
}

export const CLAUDE_MODEL = "claude-sonnet-4-5";

/** Claude Code: `ANTHROPIC_BASE_URL` at the fake, a dummy key, no non-essential traffic. */
export function claudeSetup(sandbox: ContractSandbox, server: FakeModelServer) {
  const configDir = path.join(sandbox.home, ".claude");
  mkdirSync(configDir, { recursive: true });
  const cliEnv: Record<string, string> = {
    CLAUDE_CONFIG_DIR: configDir,
    ANTHROPIC_BASE_URL: server.origin,
    ANTHROPIC_API_KEY: FAKE_KEY,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_MAX_RETRIES: "0",
  };
  // Claude refuses to skip permission prompts as root unless it is told it runs in a sandbox.
  if (process.getuid?.() === 0) cliEnv.IS_SANDBOX = "1";
  const env = { ...hermeticBaseEnv(sandbox.home), ...cliEnv };
  return { env, cliEnv, configDir };
}

export const PI_PROVIDER = "fakeant";
export const PI_MODEL = "fake-sonnet";

/** Pi: a models.json provider speaking Anthropic Messages at the fake, in a private agent dir. */
export function piSetup(sandbox: ContractSandbox, server: FakeModelServer) {
  const agentDir = path.join(sandbox.home, ".pi", "agent");
  mkdirSync(agentDir, { recursive: true });
  writeFileSync(
    path.join(agentDir, "models.json"),
    `${JSON.stringify(
      {
        providers: {
          [PI_PROVIDER]: {
            baseUrl: server.origin,
            api: "anthropic-messages",
            apiKey: "FAKE_KEY",
            models: [{ id: PI_MODEL, reasoning: false, contextWindow: 200000, maxTokens: 8192 }],
          },
        },
      },
      null,
      2,
    )}\n`,
  );
  // Agent-level retries off: a failure should surface at once, not after 14 s of backoff.
  writeFileSync(path.join(agentDir, "settings.json"), `${JSON.stringify({ retry: { enabled: false } })}\n`);
  const cliEnv = { PI_CODING_AGENT_DIR: agentDir, PI_OFFLINE: "1", FAKE_KEY };
  const env = { ...hermeticBaseEnv(sandbox.home), ...cliEnv };
  return { env, cliEnv, agentDir };
}
