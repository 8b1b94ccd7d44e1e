import { z } from "zod";
import { SafeIdSchema } from "./ids.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { TimestampSchema } from "./time.js";

/**
 * Shapes of `@millrace/git`: lane records (persisted before a lane's worktree exists, so a crash
 * between git steps can be reconciled), landing results, and the publish/staging reports.
 */

const CommitShaSchema = lazySchema(() =>
  z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "must be a full commit id"),
);

/**
 * Where a lane is in its life. `creating`: the record exists, the branch and worktree may not yet;
 * `active`: branch and worktree exist; `landing`: a merge into the workspace branch was started;
 * `removing`: the worktree and branch are being deleted (the record goes last).
 */
export const LanePhaseSchema = lazySchema(() => z.enum(["creating", "active", "landing", "removing"]));
export type LanePhase = z.infer<typeof LanePhaseSchema>;

export const LaneRecordSchema = lazySchema(() =>
  z.object({
    schema_version: z.literal("1"),
    item_id: SafeIdSchema,
    /** `millrace/<item_id>`. */
    branch: z.string().min(1),
    /** Absolute path of the lane's worktree. */
    worktree_path: z.string().min(1),
    /** The workspace `HEAD` commit the branch was created from. */
    base_sha: CommitShaSchema,
    /** The workspace branch checked out when the lane was created (`null`: detached). */
    base_branch: z.string().nullable(),
    phase: LanePhaseSchema,
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  }),
);
export type LaneRecord = z.infer<typeof LaneRecordSchema>;

/** How a branch is merged: fast-forward when possible (else a merge commit), always a merge commit, or fast-forward only. */
export const LandModeSchema = lazySchema(() => z.enum(["ff", "no-ff", "ff-only"]));
export type LandMode = z.infer<typeof LandModeSchema>;

export const LandOutcomeSchema = lazySchema(() =>
  z.enum(["fast_forward", "merge_commit", "already_landed", "conflict", "not_fast_forward"]),
);
export type LandOutcome = z.infer<typeof LandOutcomeSchema>;

export const LandResultSchema = lazySchema(() =>
  z.object({
    outcome: LandOutcomeSchema,
    branch: z.string(),
    target_branch: z.string(),
    /** The branch tip that was (or would have been) merged. */
    branch_sha: CommitShaSchema,
    head_before: CommitShaSchema,
    head_after: CommitShaSchema,
    /** The commit made of the worktree's uncommitted work before merging, if there was any. */
    worktree_commit_sha: CommitShaSchema.nullable(),
    /** Files in conflict (outcome `conflict`); the merge was aborted and the workspace branch is untouched. */
    conflicts: z.array(z.string()),
  }),
);
export type LandResult = z.infer<typeof LandResultSchema>;

export const StagingManifestSourceKindSchema = lazySchema(() => z.enum(["workspace", "package"]));

export const PublishSelectionSchema = lazySchema(() =>
  z.object({
    workspace_root: z.string(),
    staging_dir: z.string(),
    manifest_source_kind: StagingManifestSourceKindSchema,
    manifest_ref: z.string(),
    manifest_version: z.number().int(),
    required_paths: z.array(z.string()),
    optional_paths: z.array(z.string()),
  }),
);
export type PublishSelection = z.infer<typeof PublishSelectionSchema>;

export const PublishSyncEntrySchema = lazySchema(() =>
  z.object({
    path: z.string(),
    required: z.boolean(),
    action: z.enum(["copied", "removed_optional", "skipped_optional"]),
    source_kind: z.enum(["file", "directory"]).nullable(),
  }),
);
export type PublishSyncEntry = z.infer<typeof PublishSyncEntrySchema>;

export const PublishSyncReportSchema = lazySchema(() =>
  z.object({
    selection: PublishSelectionSchema,
    created: z.boolean(),
    entries: z.array(PublishSyncEntrySchema),
  }),
);
export type PublishSyncReport = z.infer<typeof PublishSyncReportSchema>;

export const PUBLISH_SKIP_REASONS = [
  "missing_git_worktree",
  "invalid_git_worktree",
  "no_changes",
  "missing_origin",
  "detached_head",
  "push_disabled",
] as const;
export const PublishSkipReasonSchema = lazySchema(() => z.enum(PUBLISH_SKIP_REASONS));
export type PublishSkipReason = z.infer<typeof PublishSkipReasonSchema>;

export const PublishPreflightReportSchema = lazySchema(() =>
  z.object({
    staging_dir: z.string(),
    status: z.enum(["ready", "no_changes", "skip_publish"]),
    skip_reason: PublishSkipReasonSchema.nullable(),
    git_worktree_present: z.boolean(),
    git_worktree_valid: z.boolean(),
    branch: z.string().nullable(),
    origin_configured: z.boolean(),
    changed_paths: z.array(z.string()),
    push_requested: z.boolean(),
    commit_allowed: z.boolean(),
    publish_allowed: z.boolean(),
    message: z.string(),
  }),
);
export type PublishPreflightReport = z.infer<typeof PublishPreflightReportSchema>;

export const PublishCommitResultSchema = lazySchema(() =>
  z.object({
    staging_dir: z.string(),
    status: z.enum(["no_changes", "committed", "pushed"]),
    commit_sha: CommitShaSchema.nullable(),
    branch: z.string().nullable(),
    skip_reason: PublishSkipReasonSchema.nullable(),
    /** `NO_CHANGES`, `SKIP_PUBLISH reason=<reason>` or `PUSH_OK remote=origin branch=<branch>`. */
    marker: z.string(),
    message: z.string(),
  }),
);
export type PublishCommitResult = z.infer<typeof PublishCommitResultSchema>;

registerPersistedSchema("lane-record", LaneRecordSchema);
registerPersistedSchema("land-result", LandResultSchema);
registerPersistedSchema("publish-sync-report", PublishSyncReportSchema);
registerPersistedSchema("publish-preflight-report", PublishPreflightReportSchema);
registerPersistedSchema("publish-commit-result", PublishCommitResultSchema);
