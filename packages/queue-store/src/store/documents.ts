import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import {
  type DocumentKind,
  MillraceError,
  type WorkDocument,
  type WorkDocumentInput,
  workDocumentId,
} from "@millrace/contracts";
import {
  createFileExclusiveSync,
  describeReadProblem,
  readRegularFile,
  writeFileAtomicSync,
} from "@millrace/workspace";
import { entryFromDocument } from "../cache/entries.js";
import { decodeDocumentBytes, documentTooLarge } from "../codec/import.js";
import { parseWorkDocument } from "../codec/parse.js";
import { renderWorkDocument, validateWorkDocument } from "../codec/render.js";
import { documentName } from "../layout.js";
import { folderOf, relativeOf, type StoreContext } from "./context.js";
import { assertSafeId } from "./ids.js";
import { findAll, type QueueItemRef } from "./lookup.js";

/** Reads and validates the document at a ref. */
export function readDocument(ctx: StoreContext, ref: QueueItemRef): WorkDocument {
  const relative = relativeOf(ctx, ref.path);
  const limit = ctx.documentLimit();
  const read = readRegularFile(ref.path, { maxBytes: limit, utf8: false });
  if (read.kind === "missing" || read.kind === "unreadable") {
    throw new MillraceError(
      "queue_item_not_found",
      `${relative} cannot be read: it ${describeReadProblem(read)}`,
    );
  }
  if (read.kind === "too_large") throw documentTooLarge(relative, read.size, limit);
  if (read.kind !== "ok") {
    throw new MillraceError("workspace_file_rejected", `${relative} ${describeReadProblem(read)}`, {
      hint: "Queue documents must be regular files; `millrace doctor` lists entries that are not.",
      details: { file: relative, reason: read.kind },
    });
  }
  return parseWorkDocument(decodeDocumentBytes(read.bytes, relative, limit), {
    file: relative,
    kind: ref.kind,
  });
}

/**
 * Renders a document into its kind's claimable folder. The id must be unused in every state of
 * every kind; the file is created exclusively and atomically.
 */
export function enqueue(
  ctx: StoreContext,
  kind: DocumentKind,
  input: WorkDocumentInput | WorkDocument,
): QueueItemRef {
  const declared = (input as { kind?: unknown }).kind;
  if (declared !== undefined && declared !== kind) {
    throw new MillraceError("work_document_invalid", `the document is a ${String(declared)}, not a ${kind}`);
  }
  const doc = validateWorkDocument({ ...input, kind } as WorkDocumentInput);
  const id = assertSafeId(workDocumentId(doc));
  const existing = findAll(ctx, id)[0];
  if (existing) {
    throw new MillraceError(
      "queue_id_exists",
      `${id} already exists as a ${existing.kind} in ${relativeOf(ctx, path.dirname(existing.path))}`,
      { details: { id, kind: existing.kind, state: existing.state, path: relativeOf(ctx, existing.path) } },
    );
  }
  const text = renderWorkDocument(doc);
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > ctx.documentLimit()) {
    throw documentTooLarge(id, bytes, ctx.documentLimit(), "the rendered document is");
  }
  const folder = folderOf(ctx, kind, "queue");
  const name = documentName(id);
  const target = path.join(folder.dir, name);
  if (!existsSync(folder.dir)) mkdirSync(folder.dir, { recursive: true });
  if (!createFileExclusiveSync(target, text)) {
    throw new MillraceError("queue_id_exists", `${id} already exists in ${relativeOf(ctx, folder.dir)}`);
  }
  ctx.cache.noteAdded(folder, name, entryFromDocument(doc, statSync(target)));
  return { kind, id, state: "queue", path: target };
}

/** Rewrites a document in place, atomically (lineage repair, dependency retargeting). */
export function rewrite(
  ctx: StoreContext,
  ref: QueueItemRef,
  input: WorkDocumentInput | WorkDocument,
): WorkDocument {
  const doc = validateWorkDocument({ ...input, kind: ref.kind } as WorkDocumentInput);
  if (workDocumentId(doc) !== ref.id) {
    throw new MillraceError(
      "work_document_invalid",
      `a rewrite cannot change the id of ${ref.kind} ${ref.id}`,
    );
  }
  writeFileAtomicSync(ref.path, renderWorkDocument(doc));
  ctx.cache.noteAdded(
    folderOf(ctx, ref.kind, ref.state),
    documentName(ref.id),
    entryFromDocument(doc, statSync(ref.path)),
  );
  return doc;
}
