import { accessSync, constants, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Whether a command resolves to an executable file (absolute, relative to cwd, or on PATH). */
export function commandAvailable(
  command: string,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes("/")) return executable(path.resolve(command));
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir && executable(path.join(dir, command))) return true;
  }
  return false;
}

export function homeDir(env: Readonly<Record<string, string | undefined>>): string {
  return env.HOME ?? os.homedir();
}

export function fileExists(file: string): boolean {
  return existsSync(file);
}

export function firstSet(
  env: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
): string | undefined {
  return names.find((name) => (env[name] ?? "").trim().length > 0);
}

/**
 * The preflight of an agent CLI runner: its credential problems, and first of all whether its
 * executable can be found with the runner's environment overlay. Never contacts a network.
 */
export function agentPreflight(
  label: string,
  runner: { command: string; env: Readonly<Record<string, string>> },
  env: Readonly<Record<string, string | undefined>>,
  credentialProblems: string[],
): { ok: boolean; problems: string[] } {
  const problems = [...credentialProblems];
  if (!commandAvailable(runner.command, { ...env, ...runner.env })) {
    problems.unshift(`the ${label} executable ${runner.command} was not found`);
  }
  return { ok: problems.length === 0, problems };
}
