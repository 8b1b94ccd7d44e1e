import { lstatSync } from "node:fs";
import { explainUnsafeId, MillraceError } from "@millrace/contracts";
import { findPathEscape, runDir } from "@millrace/workspace";
import type { ServedWorkspace } from "./workspaces.js";

/**
 * A run id from a URL, checked before it touches a path: a safe id (no `/`, `..`, NUL), naming a
 * real folder under `runs/` that does not lead out of the workspace by a link. Returns the folder.
 */
export function requireRunFolder(workspace: ServedWorkspace, runId: string): string {
  const problem = explainUnsafeId(runId);
  if (problem) {
    throw new MillraceError("invalid_id", `invalid run id ${JSON.stringify(runId)}: ${problem}`, {
      hint: "Run ids look like run-<32 hex>; the Runs page lists them.",
      details: { run_id: runId },
    });
  }
  const dir = runDir(workspace.paths, runId);
  const escaped = findPathEscape(workspace.paths.root, dir);
  if (escaped) {
    throw new MillraceError("invalid_id", `run ${runId} leads out of the workspace; it is not served`, {
      hint: "A run folder that is a link out of the workspace is never read by the dashboard.",
    });
  }
  let isDir = false;
  try {
    isDir = lstatSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new MillraceError("not_found", `run not found: ${runId}`, {
      hint: "The Runs page lists the runs of this workspace.",
      details: { run_id: runId },
    });
  }
  return dir;
}
