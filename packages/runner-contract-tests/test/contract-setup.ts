// Shared scaffolding for the contract test files: the scripted conversation, the loud skip when the
// registry was unreachable at install time, and the hard failure when a CLI is missing.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, expect } from "vitest";
import { type CliId, contractSkipReason, missingCliMessage } from "../src/clis.js";
import { type FakeModelServer, startFakeModelServer } from "../src/fake-model-server.js";
import { type ContractSandbox, createSandbox } from "../src/sandbox.js";

export const PROOF_FILE = "proof.txt";
export const PROOF_TEXT = "contract-ok";
export const SHELL_COMMAND = `printf '${PROOF_TEXT}\\n' > ${PROOF_FILE}`;
export const FINAL_TEXT = `Wrote ${PROOF_FILE} as asked.\n\n### BUILDER_COMPLETE`;
export const PROMPT = "Create proof.txt in the working directory, then finish with the terminal marker.";

/** Per-case deadline for one agent run; the suite's own timeout is larger. */
export const RUN_TIMEOUT_MS = 120_000;

const skipReason = contractSkipReason();
if (skipReason !== undefined) {
  const banner = "!".repeat(100);
  console.warn(`\n${banner}\nSKIPPING RUNNER CONTRACT TESTS: ${skipReason}\n${banner}\n`);
}

/** True when the whole suite must be skipped (registry unreachable at install time). */
export const SKIP_CONTRACT = skipReason !== undefined;

/** Fails loudly when the pinned CLI is not installed (that is a failure, not a skip). */
export function requireCli(id: CliId): void {
  const missing = missingCliMessage(id);
  if (missing !== undefined) throw new Error(missing);
}

export function expectProofWritten(dir: string, context = ""): void {
  const proof = path.join(dir, PROOF_FILE);
  expect(existsSync(proof), `${proof} should have been written by the agent's shell tool\n${context}`).toBe(
    true,
  );
  expect(readFileSync(proof, "utf8").trim()).toBe(PROOF_TEXT);
}

/** What a raw contract test sees in each case: a fresh fake model server and a fresh sandbox. */
export interface RawHarness {
  readonly server: FakeModelServer;
  readonly sandbox: ContractSandbox;
}

/**
 * Registers the per-case set-up every raw CLI test shares (the CLI must be installed, a fake model
 * server with the scripted conversation, a sandbox named `name`) and its teardown. Read the fields
 * inside a test, never at collection time.
 */
export function useRawHarness(cli: CliId, name: string): RawHarness {
  let server: FakeModelServer | undefined;
  let sandbox: ContractSandbox | undefined;
  beforeEach(async () => {
    requireCli(cli);
    server = await startFakeModelServer({ shellCommand: SHELL_COMMAND, finalText: FINAL_TEXT });
    sandbox = createSandbox(name);
  });
  afterEach(async () => {
    await server?.close();
    sandbox?.remove();
    server = undefined;
    sandbox = undefined;
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is only available inside a test case`);
    return value;
  };
  return {
    get server() {
      return ready(server, "the fake model server");
    },
    get sandbox() {
      return ready(sandbox, "the sandbox");
    },
  };
}
