import os from "node:os";
import type { RunnerEnvironment } from "@millrace/contracts";

export function homeDir(env: RunnerEnvironment): string {
  return env.HOME ?? os.homedir();
}

/** The first of `names` that is set to a non-blank value. */
export function firstSet(env: RunnerEnvironment, names: readonly string[]): string | undefined {
  return names.find((name) => (env[name] ?? "").trim().length > 0);
}

/** The runner's environment overlay on top of the base environment. */
export function withOverlay(
  env: RunnerEnvironment,
  overlay: Readonly<Record<string, string>>,
): RunnerEnvironment {
  return { ...env, ...overlay };
}

/** Only the set variables (a child process gets no undefined values). */
export function definedEnv(env: RunnerEnvironment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
