import type { CompoundingItemKind, ProcedureLifecycleRecord } from "@millrace/contracts";
import { keyOfRecord, lifecycleKey } from "./status.js";

/**
 * The id of an item's next lifecycle record: `lc.<kind>.<item id>.<sequence>`, the sequence
 * zero-padded so that ids sort in the order the records were made.
 */
export function nextRecordId(
  kind: CompoundingItemKind,
  itemId: string,
  existing: Iterable<ProcedureLifecycleRecord>,
): string {
  const key = lifecycleKey(kind, itemId);
  let count = 0;
  for (const record of existing) if (keyOfRecord(record) === key) count += 1;
  return `lc.${kind}.${itemId}.${String(count + 1).padStart(4, "0")}`;
}
