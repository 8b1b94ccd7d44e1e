import { type DocumentKind, MillraceError, type WorkDocument } from "@millrace/contracts";
import { describeReadProblem, readRegularFile } from "@millrace/workspace";
import {
  byteUnitText,
  decodeDocumentBytes,
  documentTooLarge,
  MAX_DOCUMENT_BYTES,
  type ReadCapKey,
  readImportFile,
} from "./import.js";

/**
 * Reads a document-sized text file the operator names (a body file, an import): it may be a link,
 * but it must end at a regular file, and it is never read past `maxBytes` (the document cap unless
 * the caller passes the body-file or idea cap). So `--body-file /dev/zero` or a FIFO fails at once
 * instead of filling memory or waiting forever.
 */
export function readDocumentTextFile(
  file: string,
  shownAs: string = file,
  maxBytes: number = MAX_DOCUMENT_BYTES,
  /** The `[limits]` key the refusal's hint names. */
  capKey: ReadCapKey = "max_document_bytes",
): string {
  const read = readRegularFile(file, { maxBytes, utf8: false, followLinks: true });
  switch (read.kind) {
    case "ok":
      return decodeDocumentBytes(read.bytes, shownAs, maxBytes);
    case "too_large":
      throw documentTooLarge(shownAs, read.size, maxBytes, "is", capKey);
    case "missing":
    case "unreadable":
      throw new MillraceError(
        "workspace_io_failed",
        `cannot read ${shownAs}: it ${describeReadProblem(read)}`,
        {
          details: { file: shownAs, reason: read.kind },
        },
      );
    default:
      throw new MillraceError("workspace_file_rejected", `${shownAs} ${describeReadProblem(read)}`, {
        hint: `Pass a regular text file of at most ${byteUnitText(maxBytes)}; devices such as /dev/zero, pipes and folders are refused.`,
        details: { file: shownAs, reason: read.kind },
      });
  }
}

/**
 * `readImportFile` from a path: the extension is checked before anything is opened, then the file
 * is read under the rules of `readDocumentTextFile`, capped at `maxBytes` (the document cap).
 */
export function readImportPath(
  file: string,
  kind?: DocumentKind,
  shownAs: string = file,
  maxBytes: number = MAX_DOCUMENT_BYTES,
): WorkDocument {
  const lower = shownAs.toLowerCase();
  if (!lower.endsWith(".md") && !lower.endsWith(".json")) {
    throw new MillraceError(
      "queue_import_unsupported",
      `${shownAs}: only .md and .json files can be imported as work documents`,
    );
  }
  const text = readDocumentTextFile(file, shownAs, maxBytes);
  return readImportFile(Buffer.from(text, "utf8"), shownAs, kind, maxBytes);
}
