// The public API of @millrace/git, listed by name per source module. The only package that runs
// git: every command is an argument array with a fixed environment and a time limit.
// Keep each module's lines together and the names sorted, so additions merge cleanly.
export type { LandBranchOptions } from "./land/land-branch.js";
export { landBranch } from "./land/land-branch.js";
export {
  assertLaneId,
  explainInvalidLaneId,
  LANE_BRANCH_PREFIX,
  laneBranchName,
} from "./lanes/lane-branch.js";
export type { LaneGitState } from "./lanes/lane-git.js";
export type { LaneMergeProblem, LaneMergeStart } from "./lanes/lane-merge.js";
export { LaneRecordStore, laneRecordsDir } from "./lanes/lane-records.js";
export type { LaneInfo, LaneLandOptions, LaneStep, LaneWorktreesOptions } from "./lanes/lane-worktrees.js";
export { LaneWorktrees } from "./lanes/lane-worktrees.js";
export type {
  LaneLeftovers,
  LaneReconcileAction,
  LaneReconcileOutcome,
  LaneReconcileReport,
} from "./lanes/reconcile.js";
export { findLaneLeftovers, reconcileLaneWorktrees, removeLaneLeftovers } from "./lanes/reconcile.js";
export { findPathOverlaps, normalizeRepoPath, pathSetsOverlap, pathsOverlap } from "./paths/path-overlap.js";
export type { TouchedPathsOptions } from "./paths/touched-paths.js";
export { pathsTouchedByBranch } from "./paths/touched-paths.js";
export type { GitIdentity } from "./process/git-env.js";
export type { GitOptions } from "./process/run-git.js";
export type { PublishCommitOptions } from "./publish/publish-commit.js";
export { publishCommit } from "./publish/publish-commit.js";
export type { PublishPreflightOptions } from "./publish/publish-preflight.js";
export { DEFAULT_PUBLISH_MESSAGE, publishPreflight } from "./publish/publish-preflight.js";
export type { PublishSyncOptions } from "./publish/publish-sync.js";
export { publishSync } from "./publish/publish-sync.js";
export type { StagingManifest } from "./publish/staging-manifest.js";
export {
  defaultStagingDir,
  defaultStagingManifestPath,
  parseStagingManifest,
  readStagingManifest,
} from "./publish/staging-manifest.js";
