import path from "node:path";
import { runDir, spareFilePoolFor } from "@millrace/workspace";
import type { EngineContext } from "./context.js";

/**
 * The folders that may hold the engine's spare temp files (workspace's spare-files.ts): `state/`,
 * `state/stage_processes/` and the folders of the planes' active runs. Those are the folders whose
 * temp litter the next start removes (`cleanTempLitter` for the first two; reconcile scans only
 * in-flight and active runs' folders, not every run ever), so a kill never leaves a spare elsewhere.
 */
export function spareFolderFilter(ctx: EngineContext): (folder: string) => boolean {
  const keep = new Set([ctx.paths.state, path.join(ctx.paths.state, "stage_processes")]);
  for (const run of Object.values(ctx.snapshot.active_runs_by_plane)) {
    if (!run?.run_id) continue;
    const dir = runDir(ctx.paths, run.run_id);
    keep.add(dir);
    keep.add(path.join(dir, "stage_results"));
  }
  return (folder) => keep.has(folder);
}

/**
 * A run has ended: the spares in its folders go now, before the commit that ends the run, so that
 * no kill leaves them in the folder of a run the next start does not scan.
 */
export function retireRunFolders(ctx: EngineContext, runId: string): void {
  const dir = runDir(ctx.paths, runId);
  const pool = spareFilePoolFor(dir);
  if (!pool) return;
  pool.retire(dir);
  pool.retire(path.join(dir, "stage_results"));
}
