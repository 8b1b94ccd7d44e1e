import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  formatTimestamp,
  type LineageRepairReport,
  LineageRepairReportSchema,
  MillraceError,
} from "@millrace/contracts";
import { applyLineageRepair, openQueueStore, planLineageRepair } from "@millrace/queue-store";
import {
  acquireLock,
  appendRuntimeEvent,
  inspectLock,
  requireInitialized,
  toWorkspaceRelative,
  type WorkspacePaths,
  writeJsonAtomicSync,
} from "@millrace/workspace";
import { loadTarget } from "../state/closure-targets.js";
import { loadSnapshot } from "../state/state-store.js";

export interface LineageRepairOptions {
  readonly rootSpecId: string;
  /** Rewrite the documents (default: preview only). */
  readonly apply?: boolean;
  /** Who asked; recorded in the report and the event. Default `operator`. */
  readonly issuer?: string;
  readonly now?: Date;
}

/** `20261206T101500Z-1a2b3c4d.json`: sortable by time, unique per run. */
function reportName(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${randomBytes(4).toString("hex")}.json`;
}

function refuseWhileRunning(paths: WorkspacePaths): void {
  const lock = inspectLock(paths);
  if (lock.state === "active") {
    throw new MillraceError(
      "control_refused",
      `a running Millrace daemon (pid ${lock.lock.owner_pid}) owns ${paths.root}; lineage repair rewrites documents it may be using`,
      { hint: "Stop the daemon (`millrace stop`), then run `millrace queue repair-lineage --apply` again." },
    );
  }
}

function refuseWhileStageActive(paths: WorkspacePaths): void {
  const active = Object.entries(loadSnapshot(paths).active_runs_by_plane).filter(([, run]) => run);
  if (active.length > 0) {
    throw new MillraceError(
      "control_refused",
      `a stage is still active on the ${active.map(([plane]) => plane).join(" and ")} plane`,
      { hint: "Let it finish, or run `millrace clear-stale-state` if no daemon is running, then try again." },
    );
  }
}

/**
 * `queue repair-lineage`: plans (and with `apply`, performs) the repair of every lineage-drift
 * finding of a closure target, and always writes a report under
 * `arbiter/diagnostics/lineage-repairs/`. Applying takes the ownership lock and refuses while a
 * daemon owns the workspace or a stage is active, so no running stage sees a document change.
 */
export function repairLineage(workspace: string, options: LineageRepairOptions): LineageRepairReport {
  const paths = requireInitialized(workspace);
  const now = options.now ?? new Date();
  const issuer = options.issuer ?? "operator";
  const target = loadTarget(paths, options.rootSpecId);
  if (!target) {
    throw new MillraceError("not_found", `no closure target for root spec ${options.rootSpecId}`, {
      hint: "Targets live in millrace-agents/arbiter/targets/; `millrace status` names the open one.",
    });
  }
  const held = options.apply
    ? (() => {
        refuseWhileRunning(paths);
        const lock = acquireLock(paths, { now });
        try {
          refuseWhileStageActive(paths);
        } catch (error) {
          lock.release();
          throw error;
        }
        return lock;
      })()
    : undefined;
  try {
    const store = openQueueStore(paths);
    let plan: ReturnType<typeof planLineageRepair>;
    try {
      plan = planLineageRepair(store, { rootSpecId: target.root_spec_id, rootIdeaId: target.root_idea_id });
      if (options.apply) applyLineageRepair(store, plan, now);
    } finally {
      store.close();
    }
    const dir = path.join(paths.arbiterDiagnostics, "lineage-repairs");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, reportName(now));
    const report = LineageRepairReportSchema.parse({
      schema_version: "1.0",
      kind: "closure_lineage_repair_report",
      root_spec_id: target.root_spec_id,
      root_idea_id: target.root_idea_id,
      created_at: formatTimestamp(now),
      applied: options.apply === true,
      issuer,
      changes: plan.changes,
      skipped: plan.skipped,
      report_path: toWorkspaceRelative(paths, file),
    });
    writeJsonAtomicSync(file, report);
    if (options.apply) {
      appendRuntimeEvent(paths.runtimeEvents, {
        event_type: "closure_lineage_repaired",
        data: {
          root_spec_id: target.root_spec_id,
          changed_count: plan.changes.length,
          skipped_count: plan.skipped.length,
          report_path: report.report_path,
          issuer,
        },
      });
    }
    return report;
  } finally {
    held?.release();
  }
}
