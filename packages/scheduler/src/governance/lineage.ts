import type { WorkItemKind } from "@millrace/contracts";
import type { QueueStore } from "@millrace/queue-store";
import { BoundedMap } from "../state/bounded-map.js";

/**
 * Lineage roots remembered at most: lookups come from the items being run now (usage records,
 * parking), so a few hundred recent ids cover them; older ones are read again from the queue.
 */
export const LINEAGE_MEMO_LIMIT = 256;

export interface LineageLookup {
  (kind: WorkItemKind, id: string): string | null;
  /** Ids remembered now (at most LINEAGE_MEMO_LIMIT). */
  readonly memoSize: () => number;
}

/**
 * The lineage root (root spec id) of a work item, for lineage budgets: read from its queue
 * document and remembered (a document's lineage never changes) in a bounded memo.
 */
export function lineageLookup(queue: QueueStore, limit = LINEAGE_MEMO_LIMIT): LineageLookup {
  const known = new BoundedMap<string, string | null>(limit);
  const lookup = (_kind: WorkItemKind, id: string): string | null => {
    if (known.has(id)) return known.get(id) ?? null;
    let root: string | null = null;
    try {
      const ref = queue.find(id);
      if (ref) {
        const document = queue.readDocument(ref) as { root_spec_id?: string | null; spec_id?: string };
        root = document.root_spec_id ?? null;
      }
    } catch {
      // An unreadable or unsafe id has no lineage; its item budget still applies.
    }
    known.set(id, root);
    return root;
  };
  return Object.assign(lookup, { memoSize: () => known.size });
}
