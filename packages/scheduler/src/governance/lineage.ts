import type { WorkItemKind } from "@millrace/contracts";
import type { QueueStore } from "@millrace/queue-store";

/**
 * The lineage root (root spec id) of a work item, for lineage budgets: read from its queue
 * document, remembered per id (a document's lineage never changes).
 */
export function lineageLookup(queue: QueueStore): (kind: WorkItemKind, id: string) => string | null {
  const known = new Map<string, string | null>();
  return (_kind, id) => {
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
}
