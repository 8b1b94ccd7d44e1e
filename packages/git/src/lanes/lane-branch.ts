import { explainUnsafeId, MillraceError } from "@millrace/contracts";

/** Every lane branch lives under this prefix; anything else under it that no record names is a leftover. */
export const LANE_BRANCH_PREFIX = "millrace/";

/**
 * Why an item id cannot name a lane (a folder and `millrace/<id>`), or `undefined` when it can.
 * Safe ids already exclude separators, `..`, spaces and a leading `.` or `-`; git's ref rules add
 * two more endings it refuses.
 */
export function explainInvalidLaneId(itemId: string): string | undefined {
  const unsafe = explainUnsafeId(itemId);
  if (unsafe) return unsafe;
  if (itemId.endsWith(".lock")) return "a git branch name cannot end with '.lock'";
  if (itemId.endsWith(".")) return "a git branch name cannot end with '.'";
  return undefined;
}

export function assertLaneId(itemId: string): void {
  const problem = explainInvalidLaneId(itemId);
  if (problem) {
    throw new MillraceError("invalid_id", `invalid lane item id ${JSON.stringify(itemId)}: ${problem}`, {
      hint: "Item ids used for lanes start with a letter or digit, use only letters, digits, '.', '_' and '-', and do not end with '.' or '.lock'.",
      details: { item_id: itemId },
    });
  }
}

/** `millrace/<item-id>`, after checking the id. */
export function laneBranchName(itemId: string): string {
  assertLaneId(itemId);
  return `${LANE_BRANCH_PREFIX}${itemId}`;
}
