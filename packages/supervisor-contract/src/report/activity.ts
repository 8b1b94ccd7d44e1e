import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { RuntimeEvent, StatusReport } from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";

/** Default quiet time after which a live daemon's active stage counts as stalled (seconds). */
export const DEFAULT_STALLED_AFTER_SECONDS = 900;

/** Newest modification time (ms) of the files in a run folder, two levels deep. */
function newestOutputMs(dir: string, depth = 2): number {
  let newest = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const file = path.join(dir, name);
    try {
      const stat = statSync(file);
      newest = Math.max(newest, stat.mtimeMs);
      if (stat.isDirectory() && depth > 0) newest = Math.max(newest, newestOutputMs(file, depth - 1));
    } catch {
      // vanished while we looked: the run is moving, nothing to count
    }
  }
  return newest;
}

/**
 * When the workspace last showed life: the newest runtime event, the newest runner output in an
 * active run's folder, or the start of an active stage, whichever is latest. Null when none exist.
 */
export function lastActivityMs(
  paths: WorkspacePaths,
  status: StatusReport,
  events: RuntimeEvent[],
): number | null {
  let newest = 0;
  for (const event of events) {
    const at = Date.parse(event.occurred_at);
    if (Number.isFinite(at)) newest = Math.max(newest, at);
  }
  for (const plane of [status.planes.execution, status.planes.planning, status.planes.learning]) {
    const run = plane.active_run;
    if (!run) continue;
    const since = Date.parse(run.active_since);
    if (Number.isFinite(since)) newest = Math.max(newest, since);
    newest = Math.max(newest, newestOutputMs(path.join(paths.runs, run.run_id)));
  }
  // Execution lanes' runs are not in the planes' slots: their stages and output count the same.
  for (const lane of status.lanes?.active ?? []) {
    if (!lane.run_id) continue;
    const since = Date.parse(lane.stage_started_at ?? lane.started_at);
    if (Number.isFinite(since)) newest = Math.max(newest, since);
    newest = Math.max(newest, newestOutputMs(path.join(paths.runs, lane.run_id)));
  }
  return newest > 0 ? newest : null;
}
