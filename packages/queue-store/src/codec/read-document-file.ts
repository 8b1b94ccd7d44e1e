import { type DocumentKind, MillraceError, type WorkDocument } from "@millrace/contracts";
import { describeReadProblem, readRegularFile } from "@millrace/workspace";
import { decodeDocumentBytes, MAX_DOCUMENT_BYTES, readImportFile } from "./import.js";

/**
 * Reads a document-sized text file the operator names (a body file, an import): it may be a link,
 * but it must end at a regular file, and it is never read past the 1 MiB document limit. So
 * `--body-file /dev/zero` or a FIFO fails at once instead of filling memory or waiting forever.
 */
export function readDocumentTextFile(file: string, shownAs: string = file): string {
  const read = readRegularFile(file, { maxBytes: MAX_DOCUMENT_BYTES, utf8: false, followLinks: true });
  switch (read.kind) {
    case "ok":
      return decodeDocumentBytes(read.bytes, shownAs);
    case "too_large":
      throw new MillraceError(
        "work_document_too_large",
        `${shownAs}: is ${read.size} bytes; the limit is ${MAX_DOCUMENT_BYTES} bytes (1 MiB)`,
        { details: { file: shownAs, bytes: read.size, limit: MAX_DOCUMENT_BYTES } },
      );
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
        hint: "Pass a regular text file of at most 1 MiB; devices such as /dev/zero, pipes and folders are refused.",
        details: { file: shownAs, reason: read.kind },
      });
  }
}

/**
 * `readImportFile` from a path: the extension is checked before anything is opened, then the file
 * is read under the rules of `readDocumentTextFile`.
 */
export function readImportPath(file: string, kind?: DocumentKind, shownAs: string = file): WorkDocument {
  const lower = shownAs.toLowerCase();
  if (!lower.endsWith(".md") && !lower.endsWith(".json")) {
    throw new MillraceError(
      "queue_import_unsupported",
      `${shownAs}: only .md and .json files can be imported as work documents`,
    );
  }
  const text = readDocumentTextFile(file, shownAs);
  return readImportFile(Buffer.from(text, "utf8"), shownAs, kind);
}
