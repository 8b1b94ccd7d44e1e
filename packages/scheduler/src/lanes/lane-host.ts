import type { LaneWorktrees } from "@millrace/git";
import type { EngineContext } from "../state/context.js";
import type { LaneEntry } from "./lane-state.js";

/** What the lane steps (start a stage, land, release) need from the lanes' owner. */
export interface LaneHost {
  /** Writes the lanes journal. */
  save(ctx: EngineContext): void;
  /** Drops a lane from the journal (its worktree stays unless landed). */
  remove(ctx: EngineContext, lane: LaneEntry): void;
  openGit(ctx: EngineContext): Promise<LaneWorktrees>;
}
