import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import {
  formatTimestamp,
  type LearningUpdateCandidate,
  LearningUpdateCandidateSchema,
} from "@millrace/contracts";
import { toWorkspaceRelative, writeJsonAtomicSync } from "@millrace/workspace";
import { type EngineContext, recordEvent } from "../state/context.js";
import { activePlanes } from "../state/planes.js";
import type { StageCompletion } from "./stage-completion.js";

const SKILL_UPDATE = /skill[_-]update/;

function folders(ctx: EngineContext) {
  return {
    deferred: path.join(ctx.paths.updateCandidates, "deferred"),
    applied: path.join(ctx.paths.updateCandidates, "applied"),
  };
}

function foregroundActive(ctx: EngineContext): boolean {
  return activePlanes(ctx).some((plane) => plane !== "learning");
}

/**
 * After a Curator CURATOR_COMPLETE whose artifacts include a skill update, records the candidate:
 * deferred while planning or execution work runs (a skill never changes under a running stage),
 * applied otherwise. Replay-safe: the record's name derives from the run and the request.
 */
export function recordCuratorPromotion(ctx: EngineContext, completion: StageCompletion): void {
  const { run, envelope } = completion;
  if (run.plane !== "learning" || run.stage !== "curator" || envelope.terminal_result !== "CURATOR_COMPLETE")
    return;
  const updates = envelope.artifact_paths.filter((file) => SKILL_UPDATE.test(path.basename(file)));
  if (updates.length === 0 || !run.work_item_id) return;
  const name = `${run.run_id}-${run.work_item_id}.json`;
  const { deferred, applied } = folders(ctx);
  if (existsSync(path.join(deferred, name)) || existsSync(path.join(applied, name))) return;
  const defer = foregroundActive(ctx);
  const now = formatTimestamp(ctx.clock());
  const record: LearningUpdateCandidate = {
    schema_version: "1.0",
    kind: "learning_update_candidate",
    run_id: run.run_id,
    learning_request_id: run.work_item_id,
    stage_result_path: toWorkspaceRelative(ctx.paths, completion.stageResultPath),
    artifact_paths: updates,
    status: defer ? "deferred" : "applied",
    created_at: now,
    applied_at: defer ? null : now,
  };
  const folder = defer ? deferred : applied;
  mkdirSync(folder, { recursive: true });
  writeJsonAtomicSync(path.join(folder, name), record);
  recordEvent(ctx, defer ? "learning_curator_promotion_deferred" : "learning_curator_promotion_applied", {
    run_id: run.run_id,
    learning_request_id: run.work_item_id,
    artifact_paths: updates,
  });
}

/** At a boundary with no foreground run, deferred candidates become applied (oldest first). */
export function applyDeferredPromotions(ctx: EngineContext): number {
  if (foregroundActive(ctx)) return 0;
  const { deferred, applied } = folders(ctx);
  let names: string[];
  try {
    names = readdirSync(deferred).filter((name) => name.endsWith(".json") && !name.startsWith("."));
  } catch {
    return 0;
  }
  let moved = 0;
  for (const name of names.sort()) {
    const from = path.join(deferred, name);
    let record: LearningUpdateCandidate;
    try {
      record = LearningUpdateCandidateSchema.parse(JSON.parse(readFileSync(from, "utf8")));
    } catch {
      continue;
    }
    mkdirSync(applied, { recursive: true });
    const updated = { ...record, status: "applied" as const, applied_at: formatTimestamp(ctx.clock()) };
    // Rewrite in place, then move: a kill in between leaves an applied record in deferred/, which
    // the next boundary moves without changing it again.
    writeJsonAtomicSync(from, updated);
    renameSync(from, path.join(applied, name));
    recordEvent(ctx, "learning_curator_promotion_applied", {
      run_id: record.run_id,
      learning_request_id: record.learning_request_id,
      artifact_paths: record.artifact_paths,
      deferred: true,
    });
    moved += 1;
  }
  return moved;
}
