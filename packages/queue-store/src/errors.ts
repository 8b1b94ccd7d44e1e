import { MillraceError } from "@millrace/contracts";

/** Where a work-document problem is: the file, the 1-based line and the field, when known. */
export interface DocumentProblemLocation {
  file?: string | undefined;
  line?: number | undefined;
  field?: string | undefined;
  label?: string | undefined;
}

/** A `work_document_invalid` error whose message names the file, the line and the field. */
export function documentError(where: DocumentProblemLocation, problem: string): MillraceError {
  const file = where.file ?? "<document>";
  const position = where.line === undefined ? file : `${file}:${where.line}`;
  const name = where.label ?? where.field;
  const message = name ? `${position}: ${name}: ${problem}` : `${position}: ${problem}`;
  return new MillraceError("work_document_invalid", message, {
    details: {
      file: where.file ?? null,
      line: where.line ?? null,
      field: where.field ?? null,
      problem,
    },
  });
}
