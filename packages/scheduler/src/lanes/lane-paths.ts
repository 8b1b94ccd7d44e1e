import { findPathOverlaps } from "@millrace/git";
import type { LaneEntry } from "./lane-state.js";

/** An item that may not start yet: the first running lane whose paths overlap its own. */
export interface LaneWait {
  item_id: string;
  waits_for_lane: number;
  waits_for_item: string;
  /** The overlapping pairs, `<candidate path> ~ <lane path>`; `*` stands for "everything". */
  overlaps: string[];
}

/**
 * The paths an item may touch, for overlap checks. Tasks must declare target paths; an item
 * without any (or declaring `.`) may touch anything, so it runs alone: the empty path overlaps
 * every path.
 */
export function declaredPaths(targets: readonly string[]): string[] {
  return targets.length > 0 ? [...targets] : [""];
}

/** What a running lane reserves: its declared paths plus what its branch touched so far. */
export function reservedPaths(lane: LaneEntry): string[] {
  return [...declaredPaths(lane.target_paths), ...lane.touched_paths];
}

/** The first lane (by lane number) whose reserved paths overlap `paths`, or null when the item may start. */
export function firstBlockingLane(
  itemId: string,
  paths: readonly string[],
  lanes: readonly LaneEntry[],
): LaneWait | null {
  for (const lane of [...lanes].sort((a, b) => a.lane - b.lane)) {
    const pairs = findPathOverlaps(paths, reservedPaths(lane));
    if (pairs.length > 0) {
      return {
        item_id: itemId,
        waits_for_lane: lane.lane,
        waits_for_item: lane.item_id,
        overlaps: pairs.map(([a, b]) => `${a || "*"} ~ ${b || "*"}`),
      };
    }
  }
  return null;
}
