import { existsSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import { compoundingWriteFolders, SELECTION_ARTIFACT_FOLDER } from "@millrace/compounding";
import {
  type ActiveRunState,
  type DocumentKind,
  IDLE_MARKER,
  type Plane,
  StageResultEnvelopeSchema,
} from "@millrace/contracts";
import { cleanTempLitter, removeTempLitter, runDir } from "@millrace/workspace";
import type { StageCompletion } from "../apply/stage-completion.js";
import { type EngineContext, emitMonitor, recordEvent } from "../state/context.js";
import { clearInflight, readInflight } from "../state/inflight.js";
import { activePlanes, ownedRuns } from "../state/planes.js";
import {
  INVALID_STATUS_MARKER,
  readStatusMarker,
  withActiveRun,
  withStatusMarker,
  writeStatusMarker,
} from "../state/state-store.js";

export interface StartupReconciliation {
  /** Stage results that were written but not applied before the crash; apply them first. */
  pending: Array<{ plane: Plane; run: ActiveRunState; requestId: string; stageResultPath: string }>;
  signals: string[];
}

/**
 * Brings a workspace back to a consistent state after a crash or a clean stop, deterministically:
 * the queue is repaired (duplicates, temp litter), snapshot runs are checked against the documents
 * they name, documents stranded in `active/` without a run are requeued, stage results written
 * but never applied are handed back for application, and unreadable status files are rewritten.
 */
export function reconcileAtStartup(ctx: EngineContext): StartupReconciliation {
  const signals: string[] = [];
  quarantineStrayDuplicates(ctx, signals);
  const queueReport = ctx.queue.reconcile();
  if (queueReport.duplicates.length > 0) signals.push("duplicate_documents");
  cleanTempLitter(ctx.paths);
  // A kill during an atomic write leaves a temp file beside its target. Of the run folders and the
  // compounding store's run-scope folders, only those of runs still active or in flight can have
  // one (so not every run ever is scanned); the store's shared folders always can.
  const live = liveRunIds(ctx);
  for (const runId of live) {
    const dir = runDir(ctx.paths, runId);
    removeTempLitter([dir, path.join(dir, "stage_results"), path.join(dir, SELECTION_ARTIFACT_FOLDER)]);
  }
  removeTempLitter(compoundingWriteFolders(ctx.paths, live));
  const pending: StartupReconciliation["pending"] = [];
  for (const plane of ["planning", "execution", "learning"] as const) {
    reconcilePlaneRun(ctx, plane, pending, signals);
  }
  requeueStrandedDocuments(ctx, signals);
  dropOrphanedCounters(ctx, signals);
  repairStatusMarkers(ctx, signals);
  return { pending, signals };
}

function quarantineStrayDuplicates(ctx: EngineContext, signals: string[]): void {
  // A document an active run owns wins over stray copies of its id (a stage that wrote its own task
  // into done/, say): the generic duplicate rule would otherwise keep the stray and drop the run.
  for (const run of ownedRuns(ctx)) {
    if (!run?.work_item_kind || !run.work_item_id) continue;
    const copies = ctx.queue.findAll(run.work_item_id);
    if (!copies.some((ref) => ref.kind === run.work_item_kind && ref.state === "active")) continue;
    for (const ref of copies) {
      if (ref.kind === run.work_item_kind && ref.state === "active") continue;
      ctx.queue.quarantine(
        ctx.queue.folder(ref.kind, ref.state),
        `${ref.id}.md`,
        `duplicate of the active ${run.work_item_kind} owned by run ${run.run_id}`,
      );
      signals.push(`stray_duplicate_of_active_item:${ref.id}`);
      recordEvent(ctx, "runtime_reconciled", {
        signal: "stray_duplicate_of_active_item",
        work_item_id: ref.id,
        quarantined_from: ref.state,
        run_id: run.run_id,
      });
    }
  }
}

/** Runs a kill can have cut off: active in the snapshot, or named by an inflight record. */
function liveRunIds(ctx: EngineContext): Set<string> {
  const ids = new Set<string>();
  for (const plane of ["planning", "execution", "learning"] as const) {
    const runId = ctx.snapshot.active_runs_by_plane[plane]?.run_id;
    if (runId) ids.add(runId);
    const inflightRun = readInflight(ctx.paths, plane)?.run_id;
    if (inflightRun) ids.add(inflightRun);
  }
  return ids;
}

/**
 * One plane's run against the crash journal and the queue: a written but unapplied result is
 * handed back (in `pending`), a cut-off stage is noted, a run whose document moved is dropped.
 */
function reconcilePlaneRun(
  ctx: EngineContext,
  plane: Plane,
  pending: StartupReconciliation["pending"],
  signals: string[],
): void {
  const run = ctx.snapshot.active_runs_by_plane[plane];
  const inflight = readInflight(ctx.paths, plane);
  if (!run) {
    if (inflight) clearInflight(ctx.paths, plane);
    return;
  }
  // A stage result that was written but not (fully) applied is applied again first: application is
  // replay-safe, and the document may already have moved (a kill after the move, before the save).
  if (inflight) {
    if (inflight.run_id === run.run_id && inflight.node_id === run.node_id) {
      if (existsSync(inflight.stage_result_path) && readableEnvelope(inflight.stage_result_path)) {
        pending.push({
          plane,
          run,
          requestId: inflight.request_id,
          stageResultPath: inflight.stage_result_path,
        });
        signals.push(`unapplied_stage_result:${plane}`);
        recordEvent(ctx, "runtime_reconciled", {
          signal: "unapplied_stage_result",
          plane,
          run_id: run.run_id,
          request_id: inflight.request_id,
        });
        return;
      }
      if (existsSync(inflight.stage_result_path)) {
        renameSync(inflight.stage_result_path, `${inflight.stage_result_path}.torn`);
      }
      signals.push(`interrupted_stage:${plane}`);
      recordEvent(ctx, "runtime_reconciled", {
        signal: "interrupted_stage",
        plane,
        run_id: run.run_id,
        node_id: run.node_id,
        request_id: inflight.request_id,
      });
    }
    clearInflight(ctx.paths, plane);
  }
  if (run.work_item_kind && run.work_item_id) {
    const ref = ctx.queue
      .findAll(run.work_item_id)
      .find((candidate) => candidate.kind === run.work_item_kind);
    if (ref?.state !== "active") {
      // The document moved without this run (an operator, or a decision whose result file is gone).
      ctx.snapshot = withActiveRun(ctx.snapshot, plane, undefined);
      clearInflight(ctx.paths, plane);
      signals.push(`run_without_active_document:${plane}`);
      recordEvent(ctx, "runtime_reconciled", {
        signal: "run_without_active_document",
        plane,
        run_id: run.run_id,
        work_item_id: run.work_item_id,
        document_state: ref?.state ?? "missing",
      });
      return;
    }
  }
  emitMonitor(ctx, {
    type: "runtime_resumed_active_run",
    at: ctx.clock(),
    plane,
    stage: run.stage,
    runId: run.run_id,
    status: ctx.snapshot.status_markers_by_plane[plane] ?? IDLE_MARKER,
  });
}

function requeueStrandedDocuments(ctx: EngineContext, signals: string[]): void {
  // Documents in active/ that no run owns were claimed just before a crash: put them back.
  for (const ref of ctx.queue.activeItems()) {
    const owner = ownedRuns(ctx).find(
      (run) => run?.work_item_kind === ref.kind && run?.work_item_id === ref.id,
    );
    if (owner) continue;
    ctx.queue.requeue(
      ref.kind as DocumentKind,
      ref.id,
      "reconciled at startup: claimed but no run owned it",
      {
        actor: "runtime",
        auto: true,
      },
    );
    signals.push(`stranded_active_document:${ref.id}`);
    recordEvent(ctx, "runtime_reconciled", {
      signal: "stranded_active_document",
      work_item_kind: ref.kind,
      work_item_id: ref.id,
    });
  }
}

function dropOrphanedCounters(ctx: EngineContext, signals: string[]): void {
  // Counters of items that are no longer active are leftovers of an interrupted transition.
  const owners = new Set(ownedRuns(ctx).map((run) => `${run?.work_item_kind}:${run?.work_item_id}`));
  const kept = ctx.counters.entries.filter((entry) =>
    owners.has(`${entry.work_item_kind}:${entry.work_item_id}`),
  );
  if (kept.length !== ctx.counters.entries.length) {
    recordEvent(ctx, "runtime_reconciled", {
      signal: "orphaned_recovery_counters",
      removed: ctx.counters.entries.length - kept.length,
    });
    signals.push("orphaned_recovery_counters");
    ctx.counters = { ...ctx.counters, entries: kept };
  }
}

function repairStatusMarkers(ctx: EngineContext, signals: string[]): void {
  // Status files: the runtime owns them; rewrite one that is unreadable or disagrees with the snapshot.
  for (const plane of ["execution", "planning", "learning"] as const) {
    const onDisk = readStatusMarker(ctx.paths, plane);
    const expected = ctx.snapshot.status_markers_by_plane[plane] ?? IDLE_MARKER;
    const next = activePlanes(ctx).includes(plane)
      ? expected
      : onDisk === INVALID_STATUS_MARKER
        ? IDLE_MARKER
        : onDisk;
    if (onDisk !== next || expected !== next) {
      writeStatusMarker(ctx.paths, plane, next);
      ctx.snapshot = withStatusMarker(ctx.snapshot, plane, next);
      if (onDisk === INVALID_STATUS_MARKER) {
        signals.push(`invalid_status_marker:${plane}`);
        recordEvent(ctx, "runtime_reconciled", {
          signal: "invalid_status_marker",
          plane,
          rewritten_to: next,
        });
      }
    }
  }
}

function readableEnvelope(file: string): boolean {
  try {
    return StageResultEnvelopeSchema.safeParse(JSON.parse(readFileSync(file, "utf8"))).success;
  } catch {
    return false;
  }
}

/** Re-reads a stage result that was persisted before a crash, for re-application. */
export function loadPendingCompletion(
  pending: StartupReconciliation["pending"][number],
  buildRequest: (run: ActiveRunState, requestId: string) => StageCompletion["request"],
): StageCompletion {
  const envelope = StageResultEnvelopeSchema.parse(JSON.parse(readFileSync(pending.stageResultPath, "utf8")));
  return {
    plane: pending.plane,
    run: pending.run,
    request: buildRequest(pending.run, pending.requestId),
    envelope,
    stageResultPath: pending.stageResultPath,
  };
}
