import { readdirSync } from "node:fs";
import { DOCUMENT_KINDS, type QueueFolderState } from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import { isDocumentName, KIND_PLANE } from "../layout.js";
import type { PlaneCounts } from "./active.js";

/** Document names in one state folder; a missing or unreadable folder holds none (as the store sees it). */
function documentsIn(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let count = 0;
  for (const name of names) if (isDocumentName(name)) count += 1;
  return count;
}

function countState(paths: WorkspacePaths, state: QueueFolderState): PlaneCounts {
  const counts: PlaneCounts = { execution: 0, planning: 0, learning: 0 };
  for (const kind of DOCUMENT_KINDS) counts[KIND_PLANE[kind]] += documentsIn(paths.queues[kind][state]);
  return counts;
}

/**
 * Claimable (`depths`) and active document counts per plane, from the folder listings alone: the
 * same numbers as `QueueStore.depths()` and `activeCounts()` without reading the queue index. The
 * store keeps one entry per document name in a folder (a link, a folder or an oversized file named
 * `*.md` is an entry with an error, still counted), so the listing is the answer; the index is only
 * a cache of what each file holds, which counting does not need. Nothing is read but the listings
 * of the twelve folders, and nothing is written.
 */
export function countQueueDocuments(paths: WorkspacePaths): { depths: PlaneCounts; active: PlaneCounts } {
  return { depths: countState(paths, "queue"), active: countState(paths, "active") };
}
