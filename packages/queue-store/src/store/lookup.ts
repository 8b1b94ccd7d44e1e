import { existsSync } from "node:fs";
import path from "node:path";
import { type DocumentKind, MillraceError, type QueueFolderState } from "@millrace/contracts";
import { allQueueFolders, documentName } from "../layout.js";
import type { StoreContext } from "./context.js";
import { assertSafeId } from "./ids.js";

/** Where a work item is. `path` is absolute. */
export interface QueueItemRef {
  kind: DocumentKind;
  id: string;
  state: QueueFolderState;
  path: string;
}

/** Every folder holding `<id>.md`, across all kinds and states. */
export function findAll(ctx: StoreContext, id: string): QueueItemRef[] {
  assertSafeId(id);
  const name = documentName(id);
  const out: QueueItemRef[] = [];
  for (const folder of allQueueFolders(ctx.paths)) {
    const file = path.join(folder.dir, name);
    if (existsSync(file)) out.push({ kind: folder.kind, id, state: folder.state, path: file });
  }
  return out;
}

/** Like findAll, but the first match only, and throws queue_item_not_found when there is none. */
export function locate(ctx: StoreContext, id: string, kind?: DocumentKind): QueueItemRef {
  const found = findAll(ctx, id).filter((ref) => kind === undefined || ref.kind === kind);
  const first = found[0];
  if (!first) {
    throw new MillraceError(
      "queue_item_not_found",
      `no ${kind ?? "work item"} with id ${id} in any queue folder`,
      { details: { id } },
    );
  }
  return first;
}
