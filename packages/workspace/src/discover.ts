import { statSync } from "node:fs";
import path from "node:path";

/** The folder name and config file that mark a workspace root (kept in step with paths.ts). */
const RUNTIME_DIR = "millrace-agents";
const CONFIG_FILE = "millrace.toml";

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The nearest folder at or above `start` that holds `millrace-agents/millrace.toml`, as git looks
 * for `.git`: from `millrace-agents/tasks/` this is the workspace root, not a place for a second one.
 * Undefined when no folder up to the file-system root qualifies. Only `stat` calls, so the CLI can
 * afford it on every start.
 */
export function findWorkspaceRoot(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (isFile(path.join(dir, RUNTIME_DIR, CONFIG_FILE))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
