import { existsSync, statSync } from "node:fs";
import { explainUnsafeId, MillraceError } from "@millrace/contracts";
import { runDir, type WorkspacePaths } from "@millrace/workspace";

/**
 * Validates a run id from the command line before it touches a path (DESIGN decision 11) and
 * returns the run folder. Unsafe ids are usage errors (invalid_id, exit 2); an id with no folder is
 * not_found (exit 1).
 */
export function resolveRunDir(paths: WorkspacePaths, runId: string): string {
  const problem = explainUnsafeId(runId);
  if (problem) {
    throw new MillraceError("invalid_id", `invalid run id ${JSON.stringify(runId)}: ${problem}`, {
      hint: "Run ids look like run-<32 hex>; `millrace runs ls` lists them.",
      details: { run_id: runId },
    });
  }
  const dir = runDir(paths, runId);
  let isDir = false;
  try {
    isDir = existsSync(dir) && statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new MillraceError("not_found", `run not found: ${runId}`, {
      hint: "`millrace runs ls` lists the runs of this workspace.",
      details: { run_id: runId },
    });
  }
  return dir;
}
