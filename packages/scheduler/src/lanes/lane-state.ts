import { readFileSync } from "node:fs";
import path from "node:path";
import { ActiveRunStateSchema, lazySchema, MillraceError } from "@millrace/contracts";
import { type WorkspacePaths, writeJsonAtomicSync } from "@millrace/workspace";
import { z } from "zod";

/** The stage a lane has out with its runner (the lane's own crash journal entry). */
export const LaneInflightSchema = lazySchema(() =>
  z.strictObject({
    request_id: z.string(),
    run_id: z.string(),
    node_id: z.string(),
    stage: z.string(),
    stage_result_path: z.string(),
    started_at: z.string(),
    /** The stage's timeout, for the liveness thresholds `status` grades it by (null: none known). */
    timeout_seconds: z.number().nullable().default(null),
  }),
);
export type LaneInflight = z.infer<typeof LaneInflightSchema>;

/**
 * A lane whose landing conflicted and went to the merge stage: which round (bounded by
 * `LANE_MERGE_ROUNDS`), the conflicted files, the workspace branch commit merged into the lane
 * and the merge stage's run id (chosen before anything else happens, so a restart reuses it).
 */
export const LaneMergeSchema = lazySchema(() =>
  z.strictObject({
    round: z.int().positive(),
    files: z.array(z.string()),
    merged_sha: z.string(),
    target_branch: z.string(),
    run_id: z.string(),
  }),
);
export type LaneMerge = z.infer<typeof LaneMergeSchema>;

/**
 * An operator's `retry-active` that reached the lane. Written to the journal before anything else
 * happens (before the mailbox file is archived), so a kill at any point leaves the retry to finish
 * at the next start (see `lane-retry.ts`).
 */
export const LaneRetrySchema = lazySchema(() =>
  z.strictObject({
    reason: z.string(),
    issuer: z.string(),
    requested_at: z.string(),
  }),
);
export type LaneRetry = z.infer<typeof LaneRetrySchema>;

/**
 * One execution lane: the item it holds, the item's run (null once the run ended and the lane
 * waits to land), the paths it reserves, and the stage in flight.
 */
export const LaneEntrySchema = lazySchema(() =>
  z.strictObject({
    lane: z.int().positive(),
    item_id: z.string(),
    work_item_kind: z.string(),
    run: ActiveRunStateSchema.nullable(),
    /** The item's declared target_paths (empty: none declared). */
    target_paths: z.array(z.string()),
    /** Paths the item's branch touched, as of its last applied stage. */
    touched_paths: z.array(z.string()),
    worktree_path: z.string(),
    /** `merging`: a conflicted landing is being handed to the merge stage (see `lane-merge-stage.ts`). */
    phase: z.enum(["running", "landing", "merging"]),
    inflight: LaneInflightSchema.nullable(),
    started_at: z.string(),
    stage_started_at: z.string().nullable(),
    merge: LaneMergeSchema.nullable().default(null),
    /** Set while an operator retry of the lane's item is being carried out. */
    retry: LaneRetrySchema.nullable().default(null),
  }),
);
export type LaneEntry = z.infer<typeof LaneEntrySchema>;

/** A queued item held back by a running lane's paths (for `status`). */
export const LaneWaitSchema = lazySchema(() =>
  z.strictObject({
    item_id: z.string(),
    waits_for_lane: z.int().positive(),
    waits_for_item: z.string(),
    overlaps: z.array(z.string()),
  }),
);

export const LaneRunsSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1"),
    lanes: z.array(LaneEntrySchema),
    waiting: z.array(LaneWaitSchema).default([]),
  }),
);
export type LaneRuns = z.infer<typeof LaneRunsSchema>;

/** `millrace-agents/state/lane_runs.json`: the engine's record of its lanes (it is the only writer). */
export function laneRunsFile(paths: WorkspacePaths): string {
  return path.join(paths.state, "lane_runs.json");
}

export function readLaneRuns(paths: WorkspacePaths): LaneRuns {
  const file = laneRunsFile(paths);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyLaneRuns();
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const parsed = LaneRunsSchema.safeParse(data);
  if (!parsed.success) {
    throw new MillraceError("engine_state_invalid", `${file} is not a valid lane state file`, {
      hint: "Run `millrace clear-stale-state` to requeue the lanes' items and drop the file.",
      details: { path: file },
    });
  }
  return parsed.data;
}

export function emptyLaneRuns(): LaneRuns {
  return { schema_version: "1", lanes: [], waiting: [] };
}

/** Atomic and durable: the lanes journal is what a restart resumes from. */
export function writeLaneRuns(paths: WorkspacePaths, runs: LaneRuns): void {
  const sorted = { ...runs, lanes: [...runs.lanes].sort((a, b) => a.lane - b.lane) };
  writeJsonAtomicSync(laneRunsFile(paths), LaneRunsSchema.parse(sorted));
}
