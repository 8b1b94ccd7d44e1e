import { existsSync, mkdirSync, readdirSync, renameSync } from "node:fs";
import path from "node:path";
import {
  formatTimestamp,
  type LearningUpdateCandidate,
  LearningUpdateCandidateSchema,
} from "@millrace/contracts";
import { type WorkspacePaths, writeJsonAtomicSync } from "@millrace/workspace";
import { requireSafeId } from "../store/ids.js";
import { readTolerant } from "../store/read-json.js";

/**
 * The Curator's skill-update promotions: a Curator result whose artifacts include a skill update
 * becomes a `LearningUpdateCandidate` under `learning/update_candidates/`, `deferred` while
 * foreground work runs (a skill never changes under a running stage) and `applied` otherwise.
 */

const SKILL_UPDATE = /skill[_-]update/;

function folders(paths: WorkspacePaths) {
  return {
    deferred: path.join(paths.updateCandidates, "deferred"),
    applied: path.join(paths.updateCandidates, "applied"),
  };
}

/** The artifacts of a Curator result that are skill updates (by file name). */
export function skillUpdateArtifacts(artifactPaths: readonly string[]): string[] {
  return artifactPaths.filter((file) => SKILL_UPDATE.test(path.basename(file)));
}

export interface CuratorUpdateInput {
  readonly runId: string;
  readonly learningRequestId: string;
  /** Workspace-relative path of the Curator's stage result. */
  readonly stageResultPath: string;
  /** The Curator result's artifacts; only skill updates are recorded. */
  readonly artifactPaths: readonly string[];
  /** Foreground (planning or execution) work is running: record it deferred. */
  readonly defer: boolean;
  readonly now?: Date;
}

/**
 * Records a Curator skill update, or returns null when the artifacts hold none or the update is
 * already recorded (replay-safe: the record's name derives from the run and the request).
 */
export function recordCuratorUpdate(
  paths: WorkspacePaths,
  input: CuratorUpdateInput,
): LearningUpdateCandidate | null {
  const updates = skillUpdateArtifacts(input.artifactPaths);
  if (updates.length === 0) return null;
  const name = `${requireSafeId(input.runId, "run id")}-${requireSafeId(input.learningRequestId, "learning request id")}.json`;
  const { deferred, applied } = folders(paths);
  if (existsSync(path.join(deferred, name)) || existsSync(path.join(applied, name))) return null;
  const now = formatTimestamp(input.now ?? new Date());
  const record: LearningUpdateCandidate = {
    schema_version: "1.0",
    kind: "learning_update_candidate",
    run_id: input.runId,
    learning_request_id: input.learningRequestId,
    stage_result_path: input.stageResultPath,
    artifact_paths: updates,
    status: input.defer ? "deferred" : "applied",
    created_at: now,
    applied_at: input.defer ? null : now,
  };
  const folder = input.defer ? deferred : applied;
  mkdirSync(folder, { recursive: true });
  writeJsonAtomicSync(path.join(folder, name), record);
  return record;
}

/**
 * Applies the deferred Curator updates, oldest name first; call it at a boundary with no
 * foreground run. Unreadable records stay where they are. Returns the records applied.
 */
export function applyDeferredCuratorUpdates(
  paths: WorkspacePaths,
  options: { now?: Date } = {},
): LearningUpdateCandidate[] {
  const { deferred, applied } = folders(paths);
  let names: string[];
  try {
    names = readdirSync(deferred).filter((name) => name.endsWith(".json") && !name.startsWith("."));
  } catch {
    return [];
  }
  const moved: LearningUpdateCandidate[] = [];
  for (const name of names.sort()) {
    const from = path.join(deferred, name);
    const read = readTolerant(from, LearningUpdateCandidateSchema, "update_candidate");
    if (!read.ok) continue;
    mkdirSync(applied, { recursive: true });
    const updated: LearningUpdateCandidate = {
      ...read.value,
      status: "applied",
      applied_at: formatTimestamp(options.now ?? new Date()),
    };
    // Rewrite in place, then move: a kill in between leaves an applied record in deferred/, which
    // the next boundary moves without changing it again.
    writeJsonAtomicSync(from, updated);
    renameSync(from, path.join(applied, name));
    moved.push(read.value);
  }
  return moved;
}
