import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The built binary; end-to-end tests run it exactly as a user would. */
export const CLI_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "dist", "bin.cjs");

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws when it is not JSON). */
  json<T = unknown>(): T;
}

export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): CliRun {
  const result = spawnSync(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd ?? os.tmpdir(),
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    input: options.input ?? "",
    encoding: "utf8",
    timeout: 60_000,
  });
  const stdout = result.stdout ?? "";
  return {
    status: result.status ?? -1,
    stdout,
    stderr: result.stderr ?? "",
    json: <T>() => JSON.parse(stdout) as T,
  };
}

export function tempDir(prefix = "millrace-cli-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Resolves once `check` is true, polling every 50 ms; rejects after `timeoutMs`. */
export function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error("timed out waiting"));
      setTimeout(poll, 50);
    };
    poll();
  });
}
