import { type ReapReport, scrubRunArtifacts } from "@millrace/runners";
import { toWorkspaceRelative } from "@millrace/workspace";
import { type EngineContext, recordEvent } from "../state/context.js";

/**
 * Records what the startup reaper ended (agents left running by a killed daemon) and scrubs the
 * secrets those agents may have written into their run folders before anyone reads them.
 */
export function recordReapedOrphans(
  ctx: EngineContext,
  report: ReapReport,
  secrets: ReadonlyMap<string, string>,
): void {
  for (const stage of report.reaped) {
    const scrubbed = scrubRunArtifacts(stage.runDir, secrets);
    recordEvent(ctx, "runtime_reconciled", {
      signal: "orphaned_stage_processes_reaped",
      stage_tag: stage.tag,
      run_dir: toWorkspaceRelative(ctx.paths, stage.runDir),
      killed: [...stage.killed],
      survivors: [...stage.survivors],
      scrubbed_files: scrubbed.length,
    });
  }
}
