import {
  DEFAULT_READ_LIMITS,
  DOCUMENT_KINDS,
  type DocumentKind,
  MillraceError,
  type WorkDocument,
} from "@millrace/contracts";
import { documentError } from "../errors.js";
import { parseWorkDocument } from "./parse.js";
import { validateWorkDocument } from "./render.js";

/**
 * The default cap on a work document (`[limits] max_document_bytes` changes it): larger ones are
 * refused, and quarantined when found in a queue folder.
 */
export const MAX_DOCUMENT_BYTES = DEFAULT_READ_LIMITS.max_document_bytes;

/** `1 MiB`, `12 KiB` or `1000 B`: a cap in the unit it was most likely written in. */
export function byteUnitText(limit: number): string {
  if (limit % (1024 * 1024) === 0) return `${limit / (1024 * 1024)} MiB`;
  return limit % 1024 === 0 ? `${limit / 1024} KiB` : `${limit} B`;
}

/** `1048576 bytes (1 MiB)`. */
export function byteLimitText(limit: number): string {
  return `${limit} bytes (${byteUnitText(limit)})`;
}

/** The `[limits]` keys of the caps on operator-named text files. */
export type ReadCapKey = "max_document_bytes" | "max_body_file_bytes" | "max_idea_bytes";

/** The size refusal of a work document, with the cap that applied. */
export function documentTooLarge(
  file: string,
  bytes: number,
  limit: number,
  what = "is",
  capKey: ReadCapKey = "max_document_bytes",
): MillraceError {
  return new MillraceError(
    "work_document_too_large",
    `${file}: ${what} ${bytes} bytes; the limit is ${byteLimitText(limit)}`,
    {
      hint: `Raise [limits] ${capKey} in millrace.toml if files this large are intended.`,
      details: { file, bytes, limit },
    },
  );
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Checks the size limit and decodes strict UTF-8; throws a MillraceError naming the file. */
export function decodeDocumentBytes(
  bytes: Uint8Array,
  file?: string,
  limit: number = MAX_DOCUMENT_BYTES,
): string {
  if (bytes.byteLength > limit) throw documentTooLarge(file ?? "<document>", bytes.byteLength, limit);
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw documentError({ file }, "is not valid UTF-8 text");
  }
}

export function parseDocumentKind(value: string): DocumentKind {
  if ((DOCUMENT_KINDS as readonly string[]).includes(value)) return value as DocumentKind;
  throw new MillraceError(
    "work_document_kind_unknown",
    `unknown work-item kind ${JSON.stringify(value)}: expected one of ${DOCUMENT_KINDS.join(", ")}`,
  );
}

function dropNulls(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) if (inner !== null) out[key] = inner;
  return out;
}

/**
 * Reads the JSON import shape of a work document (field names as in the document model;
 * `schema_version` and `kind` optional, `null` meaning absent) and returns the validated document,
 * ready to render as canonical markdown. `kind` may come from the caller or from the object.
 */
export function importWorkDocument(jsonText: string, kind?: DocumentKind, file?: string): WorkDocument {
  let value: unknown;
  try {
    value = JSON.parse(jsonText);
  } catch (error) {
    throw documentError({ file }, `is not valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw documentError({ file }, "must be a JSON object with the document's fields");
  }
  const record = dropNulls(value as Record<string, unknown>);
  const declared = record.kind;
  if (declared !== undefined && typeof declared !== "string") {
    throw documentError({ file, field: "kind" }, "must be a string");
  }
  if (declared !== undefined && kind !== undefined && declared !== kind) {
    throw documentError({ file, field: "kind" }, `is ${JSON.stringify(declared)} but a ${kind} was expected`);
  }
  const resolved = kind ?? (declared === undefined ? undefined : parseDocumentKind(declared));
  if (!resolved) {
    throw new MillraceError(
      "work_document_kind_unknown",
      `${file ?? "<document>"}: the JSON object has no "kind"; pass the kind explicitly`,
    );
  }
  return validateWorkDocument({ ...record, kind: resolved } as never, file);
}

/**
 * Reads an import file by extension: `.md` through the markdown parser, `.json` through the JSON
 * import shape. Anything else is refused.
 */
export function readImportFile(
  bytes: Uint8Array,
  fileName: string,
  kind?: DocumentKind,
  limit: number = MAX_DOCUMENT_BYTES,
): WorkDocument {
  const text = decodeDocumentBytes(bytes, fileName, limit);
  const lower = fileName.toLowerCase();
  if (lower.endsWith(".json")) return importWorkDocument(text, kind, fileName);
  if (lower.endsWith(".md")) {
    return parseWorkDocument(text, kind === undefined ? { file: fileName } : { file: fileName, kind });
  }
  throw new MillraceError(
    "queue_import_unsupported",
    `${fileName}: only .md and .json files can be imported as work documents`,
  );
}
