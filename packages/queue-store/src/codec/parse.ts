import { type DocumentKind, WORK_DOCUMENT_SCHEMAS, type WorkDocument } from "@millrace/contracts";
import type { z } from "zod";
import { documentError } from "../errors.js";
import { DOCUMENT_LABELS, KIND_ID_LABELS, LABELS_BY_NAME, type LabelSpec, labelOfField } from "./labels.js";
import { findDocumentControlChar } from "./plain-text.js";

export interface ParseOptions {
  /** Shown in error messages (a workspace-relative path is best). */
  file?: string;
  /** Force the document kind instead of inferring it from the id label. */
  kind?: DocumentKind;
}

const FIELD_HEADER = /^([A-Za-z][A-Za-z0-9-]*):(?:\s*(.*))?$/;

interface FieldValue {
  spec: LabelSpec;
  line: number;
  value: string | string[] | undefined;
}

interface Scan {
  fields: Map<string, FieldValue>;
  body: string | undefined;
}

type Mode = "strict" | "lenient";

function isItemLine(stripped: string): boolean {
  return stripped === "-" || stripped.startsWith("- ");
}

/**
 * Reads the `Label: value` fields. Two readings of the same grammar:
 * - strict (ours): fields come first; the first line that is neither a field, a list item nor blank
 *   starts the free-text body, which runs to the end. Body prose that happens to contain a
 *   `Label:` line is therefore body, not a field (the reference misreads it).
 * - lenient (the reference's): every header line anywhere is a field and other lines are skipped.
 *   Used only when the strict reading does not validate, so hand-written documents that put prose
 *   between fields still load.
 */
// Over 80 lines on purpose: one pass of a line state machine whose branches share the open-list
// and empty-scalar state; split, that state would have to travel between functions.
function scanFields(lines: readonly string[], mode: Mode, file: string | undefined): Scan {
  const fields = new Map<string, FieldValue>();
  let openList: FieldValue | undefined;
  let emptyScalar: FieldValue | undefined;
  let previousWasScalarHeader = false;

  const finishList = () => {
    openList = undefined;
  };

  for (let index = 1; index < lines.length; index += 1) {
    const lineNo = index + 1;
    const raw = lines[index] ?? "";
    const stripped = raw.trim();

    if (openList) {
      if (isItemLine(stripped)) {
        const item = stripped.slice(1).trim();
        if (item === "") {
          throw documentError({ file, line: lineNo, label: openList.spec.label }, "list item is empty");
        }
        (openList.value as string[]).push(item);
        continue;
      }
      if (stripped === "") {
        if ((openList.value as string[]).length > 0) finishList();
        continue;
      }
      const endsList = FIELD_HEADER.test(stripped);
      if (!endsList) {
        if (mode === "lenient") {
          throw documentError(
            { file, line: lineNo, label: openList.spec.label },
            "expected a `- item` line, a blank line or the next `Label:` line",
          );
        }
        return { fields, body: lines.slice(index).join("\n") };
      }
      finishList();
    }

    if (stripped === "") {
      previousWasScalarHeader = false;
      continue;
    }

    const header = FIELD_HEADER.exec(stripped);
    if (!header) {
      if (isItemLine(stripped) && emptyScalar) {
        throw documentError(
          { file, line: lineNo, label: emptyScalar.spec.label },
          "is a single-value field; it cannot take `- item` lines",
        );
      }
      if (mode === "strict") return { fields, body: lines.slice(index).join("\n") };
      continue; // lenient: prose (and list items of skipped labels) is ignored
    }

    emptyScalar = undefined;
    const label = header[1] ?? "";
    const inline = (header[2] ?? "").trim();
    const spec = LABELS_BY_NAME.get(label.toLowerCase());
    if (!spec) {
      if (mode === "strict" && !previousWasScalarHeader) {
        return { fields, body: lines.slice(index).join("\n") };
      }
      continue;
    }
    const earlier = fields.get(spec.field);
    if (earlier) {
      throw documentError(
        { file, line: lineNo, label: spec.label },
        `appears twice (first on line ${earlier.line})`,
      );
    }
    if (spec.type === "list") {
      const entry: FieldValue = { spec, line: lineNo, value: inline === "" ? [] : [inline] };
      fields.set(spec.field, entry);
      if (inline === "") openList = entry;
      previousWasScalarHeader = false;
      continue;
    }
    const entry: FieldValue = { spec, line: lineNo, value: inline === "" ? undefined : inline };
    fields.set(spec.field, entry);
    if (inline === "") emptyScalar = entry;
    previousWasScalarHeader = true;
  }
  return { fields, body: undefined };
}

function inferKind(fields: Map<string, FieldValue>): DocumentKind | undefined {
  for (const [label, kind] of KIND_ID_LABELS) {
    const spec = LABELS_BY_NAME.get(label);
    if (spec && fields.has(spec.field)) return kind;
  }
  return undefined;
}

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  false: false,
  yes: true,
  no: false,
  "1": true,
  "0": false,
};

function buildCandidate(
  kind: DocumentKind,
  title: string,
  scan: Scan,
  file: string | undefined,
): Record<string, unknown> {
  const allowed = new Set(DOCUMENT_LABELS[kind].map((spec) => spec.field));
  const candidate: Record<string, unknown> = { kind };
  for (const [field, entry] of scan.fields) {
    if (!allowed.has(field)) {
      throw documentError(
        { file, line: entry.line, label: entry.spec.label },
        `is not a field of a ${kind} document`,
      );
    }
    if (entry.value === undefined) continue;
    if (entry.spec.type === "boolean") {
      const word = BOOLEAN_WORDS[(entry.value as string).toLowerCase()];
      if (word === undefined) {
        throw documentError({ file, line: entry.line, label: entry.spec.label }, "must be true or false");
      }
      candidate[field] = word;
    } else if (entry.spec.type === "json") {
      try {
        candidate[field] = JSON.parse(entry.value as string);
      } catch {
        throw documentError({ file, line: entry.line, label: entry.spec.label }, "is not valid JSON");
      }
    } else {
      candidate[field] = entry.value;
    }
  }
  const titleField = scan.fields.get("title");
  if (titleField && typeof titleField.value === "string" && titleField.value !== title) {
    throw documentError(
      { file, line: titleField.line, label: "Title" },
      `must equal the heading text ${JSON.stringify(title)}`,
    );
  }
  candidate.title = title;
  if (scan.body !== undefined) {
    const body = scan.body.replace(/^(?:[ \t]*\n)+/, "").replace(/\s+$/, "");
    if (body !== "") candidate.body = body;
  }
  return candidate;
}

function validate(
  kind: DocumentKind,
  candidate: Record<string, unknown>,
  scan: Scan,
  file: string | undefined,
): WorkDocument {
  const schema = WORK_DOCUMENT_SCHEMAS[kind] as z.ZodType<WorkDocument>;
  const result = schema.safeParse(candidate);
  if (result.success) {
    const control = findDocumentControlChar(result.data);
    if (!control) return result.data;
    const line = scan.fields.get(control.field)?.line ?? (control.field === "title" ? 1 : undefined);
    const label = labelOfField(kind, control.field) ?? control.field;
    throw documentError({ file, line, label, field: control.field }, control.problem);
  }
  const issue = result.error.issues[0];
  const field = typeof issue?.path[0] === "string" ? issue.path[0] : undefined;
  const label = field ? (labelOfField(kind, field) ?? field) : undefined;
  const line = field ? (scan.fields.get(field)?.line ?? (field === "title" ? 1 : undefined)) : undefined;
  let problem = issue?.message ?? "is invalid";
  if (issue && field && !(field in candidate)) problem = "is required but missing";
  else if (issue && issue.path.length > 1) problem = `item ${Number(issue.path[1]) + 1}: ${problem}`;
  throw documentError({ file, line, label, field }, problem);
}

/**
 * Parses a markdown work document in the reference grammar and validates it against the contracts
 * schema. Throws a `work_document_invalid` MillraceError naming the file, line and field.
 */
export function parseWorkDocument(text: string, options: ParseOptions = {}): WorkDocument {
  const file = options.file;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const first = (lines[0] ?? "").trim();
  if (!first.startsWith("# ") || first.slice(2).trim() === "") {
    throw documentError({ file, line: 1 }, "the first line must be `# <title>`");
  }
  const title = first.slice(2).trim();

  const strictScan = scanFields(lines, "strict", file);
  const strictKind = options.kind ?? inferKind(strictScan.fields);
  let strictError: unknown;
  if (strictKind) {
    try {
      return validate(strictKind, buildCandidate(strictKind, title, strictScan, file), strictScan, file);
    } catch (error) {
      strictError = error;
    }
  }
  // The strict reading failed: a hand-written document may have prose between its fields.
  let lenientScan: Scan | undefined;
  try {
    lenientScan = scanFields(lines, "lenient", file);
  } catch {
    lenientScan = undefined;
  }
  const lenientKind = lenientScan ? (options.kind ?? inferKind(lenientScan.fields)) : undefined;
  if (lenientScan && lenientKind) {
    try {
      return validate(lenientKind, buildCandidate(lenientKind, title, lenientScan, file), lenientScan, file);
    } catch {
      // fall through and report the strict reading's problem
    }
  }
  if (strictError) throw strictError;
  throw documentError(
    { file, line: 2 },
    "no id field found: expected one of Task-ID, Spec-ID, Incident-ID, Learning-Request-ID, Probe-ID",
  );
}
