import { lstatSync } from "node:fs";
import path from "node:path";
import {
  effectiveRootSpecId,
  isRootSpec,
  MillraceError,
  type QueueIndexEntry,
  type WorkDocument,
  workDocumentId,
  workDocumentTimestamp,
} from "@millrace/contracts";
import {
  describeReadProblem,
  readRegularFile,
  toWorkspaceRelative,
  type WorkspacePaths,
} from "@millrace/workspace";
import { byteLimitText, decodeDocumentBytes } from "../codec/import.js";
import { parseWorkDocument } from "../codec/parse.js";
import type { QueueFolder } from "../layout.js";

/** The facts kept per document, so claims and listings do not parse files. */
export type CachedEntry = QueueIndexEntry;

type FileFacts = { size: number; mtimeMs: number; ino: number };

/** Ids that must be done before the item may be claimed (tasks: depends_on; drafts: earlier drafts). */
function dependencyIdsOf(doc: WorkDocument): string[] {
  if (doc.kind === "task") return [...doc.depends_on];
  if (doc.kind === "blueprint_draft") return [...doc.depends_on_draft_ids];
  return [];
}

/**
 * A copy of `text` that holds no reference to the string it was cut from. Parsed fields are V8
 * sliced strings that keep their whole source line or document alive; the cache keeps an entry per
 * document for as long as the process lives (`done/` included), so it keeps copies instead.
 */
function own(text: string): string;
function own(text: string | null): string | null;
function own(text: string | null): string | null {
  return text === null ? null : (JSON.parse(JSON.stringify(text)) as string);
}

export function entryFromDocument(doc: WorkDocument, stat: FileFacts): CachedEntry {
  return {
    size: stat.size,
    mtime_ms: stat.mtimeMs,
    ino: stat.ino,
    id: own(workDocumentId(doc)),
    title: own(doc.title),
    timestamp: own(workDocumentTimestamp(doc)),
    depends_on: dependencyIdsOf(doc).map((id) => own(id)),
    root_spec_id: own(effectiveRootSpecId(doc) ?? null),
    root_idea_id: "root_idea_id" in doc ? own(doc.root_idea_id ?? null) : null,
    spec_id: doc.kind === "task" || doc.kind === "spec" ? own(doc.spec_id ?? null) : null,
    is_root_spec: doc.kind === "spec" ? isRootSpec(doc) : false,
    error: null,
  };
}

function errorEntry(name: string, stat: FileFacts, error: string): CachedEntry {
  return {
    size: stat.size,
    mtime_ms: stat.mtimeMs,
    ino: stat.ino,
    id: name.slice(0, -3),
    title: "",
    timestamp: "",
    depends_on: [],
    root_spec_id: null,
    root_idea_id: null,
    spec_id: null,
    is_root_spec: false,
    error,
  };
}

export interface LoadedDocument {
  entry: CachedEntry;
  document?: WorkDocument;
}

/** Reads and parses one queue file; problems become an entry with `error` set (never a throw). */
export function loadDocumentFile(
  paths: WorkspacePaths,
  folder: QueueFolder,
  name: string,
  /** The document cap (`[limits] max_document_bytes`). */
  limit: number,
): LoadedDocument | undefined {
  const file = path.join(folder.dir, name);
  const relative = toWorkspaceRelative(paths, file);
  // No-follow, non-blocking and capped: a link, FIFO, folder or device named `*.md` becomes an
  // error entry (and is quarantined by the claim path) instead of being followed or blocking.
  const read = readRegularFile(file, { maxBytes: limit, utf8: false });
  if (read.kind === "missing") return undefined; // vanished between listing and reading
  // A document read is described by the fstat of the file it was read from; anything refused, by
  // what the name holds (lstat: the link, the FIFO, the folder itself).
  let stat: FileFacts;
  if (read.kind === "ok") stat = read.stat;
  else {
    try {
      stat = lstatSync(file);
    } catch {
      return undefined;
    }
  }
  if (read.kind !== "ok") {
    const problem =
      read.kind === "too_large"
        ? `is ${read.size} bytes; the limit is ${byteLimitText(limit)}`
        : describeReadProblem(read);
    return { entry: errorEntry(name, stat, `${relative}: ${problem}`) };
  }
  try {
    const text = decodeDocumentBytes(read.bytes, relative, limit);
    const document = parseWorkDocument(text, { file: relative, kind: folder.kind });
    const id = workDocumentId(document);
    if (`${id}.md` !== name) {
      return {
        entry: errorEntry(
          name,
          stat,
          `${relative}: the document id ${id} does not match the file name ${name}`,
        ),
      };
    }
    return { entry: entryFromDocument(document, stat), document };
  } catch (error) {
    const message = MillraceError.isInstance(error) ? error.message : String(error);
    return { entry: errorEntry(name, stat, message) };
  }
}

/** A sortable form of a `Z` timestamp: the fraction padded to nanoseconds. */
export function timeKey(timestamp: string): string {
  const bare = timestamp.endsWith("Z") ? timestamp.slice(0, -1) : timestamp;
  const dot = bare.indexOf(".");
  if (dot === -1) return `${bare}.000000000`;
  return bare.slice(0, dot + 1) + bare.slice(dot + 1).padEnd(9, "0");
}

const sortKeys = new WeakMap<CachedEntry, string>();
/** An entry's claim-order key (timestamp, memoised per entry object). */
export function sortKeyOf(entry: CachedEntry): string {
  let key = sortKeys.get(entry);
  if (key === undefined) {
    key = timeKey(entry.timestamp);
    sortKeys.set(entry, key);
  }
  return key;
}

/** Claim order: oldest timestamp first, then id. */
export function compareEntries(a: CachedEntry, b: CachedEntry): number {
  const ka = sortKeyOf(a);
  const kb = sortKeyOf(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
