import type { CliIO, GlobalArgs } from "./io.js";

/**
 * Commands that create a workspace or need none: they use the current folder (or their own path
 * argument) as given, so `millrace init` inside a workspace never silently targets its parent.
 */
const NO_DISCOVERY = new Set(["version", "completion", "init", "demo"]);

/**
 * Without `--workspace`, the workspace is the nearest folder upward from the current one that holds
 * `millrace-agents/millrace.toml`, as git finds `.git`; when there is none, the current folder (so
 * the usual "not initialized" error names it). `--workspace` always wins.
 */
export async function discoverWorkspace(args: GlobalArgs, io: CliIO, command: string): Promise<void> {
  if (args.workspace !== undefined || NO_DISCOVERY.has(command)) return;
  // The workspace package is what every workspace command loads anyway; the walk itself is stat calls.
  const { findWorkspaceRoot } = await import("@millrace/workspace");
  const found = findWorkspaceRoot(io.cwd);
  if (found !== undefined) {
    args.workspace = found;
    (args as unknown as Record<string, unknown>).w = found;
  }
}
