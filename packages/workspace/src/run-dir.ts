import path from "node:path";
import { assertInsideWorkspace } from "./confine.js";
import type { WorkspacePaths } from "./paths.js";

/**
 * The folder of one run; the run id must already be validated. Throws `workspace_path_escapes` when
 * `runs/` or the run folder is a link leading out of the workspace, so neither the engine nor a
 * runner writes run artifacts through it.
 */
export function runDir(paths: WorkspacePaths, runId: string): string {
  const dir = path.join(paths.runs, runId);
  assertInsideWorkspace(paths, dir);
  return dir;
}
