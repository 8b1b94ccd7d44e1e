import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import type { RunnerEnvironment } from "@millrace/contracts";

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute executable a command resolves to, or null: a command with a slash is a path
 * (relative to the cwd), otherwise the first executable file of that name in `env.PATH`.
 */
export function resolveCommand(command: string, env: RunnerEnvironment): string | null {
  if (command.includes("/")) {
    const file = path.resolve(command);
    return isExecutableFile(file) ? file : null;
  }
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, command);
    if (isExecutableFile(file)) return file;
  }
  return null;
}
