import { readFileSync } from "node:fs";
import type { QueueIndex } from "@millrace/contracts";
import { writeFileAtomicSync } from "@millrace/workspace";
import type { CachedEntry } from "./entries.js";

/**
 * A structural check of a saved index, much cheaper than the full schema on 100,000 entries. The
 * index is our own cache and every folder in it is re-validated against the disk, so a shape check
 * that keeps a corrupt file from crashing the reader is enough; anything odd discards the index.
 */
function looksLikeIndex(raw: unknown): raw is QueueIndex {
  // The header, as QueueIndexSchema's two literals say, checked by hand: building the schema would
  // be the only zod work of a cold `queue ls`.
  const header = raw as { schema_version?: unknown; kind?: unknown } | null;
  if (typeof header !== "object" || header === null) return false;
  if (header.schema_version !== "1.0" || header.kind !== "queue_index") return false;
  const folders = (raw as { folders?: unknown }).folders;
  if (typeof folders !== "object" || folders === null) return false;
  // for...in over own keys (JSON.parse makes no inherited ones): no per-folder array of values.
  for (const key in folders) {
    const f = (folders as Record<string, unknown>)[key] as {
      dir_mtime_ns?: unknown;
      listed_at_ms?: unknown;
      entries?: unknown;
    };
    if (typeof f?.dir_mtime_ns !== "string" || !/^-?\d+$/.test(f.dir_mtime_ns)) return false;
    if (typeof f.listed_at_ms !== "number" || typeof f.entries !== "object" || f.entries === null)
      return false;
    const entries = f.entries as Record<string, unknown>;
    for (const name in entries) if (!looksLikeEntry(entries[name])) return false;
  }
  return true;
}

function looksLikeEntry(entry: unknown): boolean {
  const e = entry as Partial<CachedEntry>;
  return !(
    typeof e?.id !== "string" ||
    typeof e.timestamp !== "string" ||
    typeof e.title !== "string" ||
    typeof e.size !== "number" ||
    typeof e.mtime_ms !== "number" ||
    typeof e.ino !== "number" ||
    !Array.isArray(e.depends_on) ||
    (e.error !== null && typeof e.error !== "string") ||
    (e.root_spec_id !== null && typeof e.root_spec_id !== "string")
  );
}

/** The saved index, or undefined when it is missing, unreadable or malformed (it is only a cache). */
export function readQueueIndex(indexFile: string): QueueIndex | undefined {
  try {
    const raw = JSON.parse(readFileSync(indexFile, "utf8")) as unknown;
    return looksLikeIndex(raw) ? raw : undefined;
  } catch {
    return undefined;
  }
}

export function writeQueueIndex(indexFile: string, folders: QueueIndex["folders"]): void {
  const index: QueueIndex = { schema_version: "1.0", kind: "queue_index", folders };
  // Not fsync'd: the index is a cache checked against the folders on every use, and a copy a power
  // loss left empty or cut is discarded by readQueueIndex (the folders are listed again).
  writeFileAtomicSync(indexFile, JSON.stringify(index), { durable: false });
}
