import {
  canonicalJson,
  type DocumentKind,
  WORK_DOCUMENT_SCHEMAS,
  type WorkDocument,
  type WorkDocumentInput,
} from "@millrace/contracts";
import type { z } from "zod";
import { documentError } from "../errors.js";
import { DOCUMENT_LABELS, labelOfField } from "./labels.js";
import { findDocumentControlChar } from "./plain-text.js";

/** Validates a document (applying defaults) and returns the typed form; throws `work_document_invalid`. */
export function validateWorkDocument(input: WorkDocumentInput | WorkDocument, file?: string): WorkDocument {
  const kind = (input as { kind?: unknown }).kind;
  if (typeof kind !== "string" || !(kind in WORK_DOCUMENT_SCHEMAS)) {
    throw documentError(
      { file, field: "kind" },
      `must be one of ${Object.keys(WORK_DOCUMENT_SCHEMAS).join(", ")}`,
    );
  }
  const schema = WORK_DOCUMENT_SCHEMAS[kind as DocumentKind] as z.ZodType<WorkDocument>;
  const result = schema.safeParse(input);
  if (result.success) {
    const control = findDocumentControlChar(result.data);
    if (control) {
      const label = labelOfField(kind as DocumentKind, control.field) ?? control.field;
      throw documentError({ file, field: control.field, label }, control.problem);
    }
    return result.data;
  }
  const issue = result.error.issues[0];
  if (issue?.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    throw documentError({ file, field: key, label: key }, `is not a field of a ${kind} document`);
  }
  const field = typeof issue?.path[0] === "string" ? issue.path[0] : undefined;
  const label = field ? (labelOfField(kind as DocumentKind, field) ?? field) : undefined;
  let problem = issue?.message ?? "is invalid";
  if (field && !(field in (input as object))) problem = "is required but missing";
  else if (issue && issue.path.length > 1) problem = `item ${Number(issue.path[1]) + 1}: ${problem}`;
  throw documentError({ file, field, label }, problem);
}

/** Scalars the renderer leaves out because they hold the default. */
function isOmittedDefault(field: string, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if ((field === "summary" || field === "context_excerpt") && value === "") return true;
  if (field === "severity" && value === "medium") return true;
  if (field === "needs_planning" && value === true) return true;
  if (
    field === "trigger_metadata" &&
    typeof value === "object" &&
    Object.keys(value as object).length === 0
  ) {
    return true;
  }
  return false;
}

/**
 * Renders a work document in the canonical markdown form: `# <title>`, a blank line, one
 * `Label: value` line per set scalar, then a blank line, `Label:` and `- item` lines per non-empty
 * list, then the optional body after a blank line; exactly one trailing newline.
 */
export function renderWorkDocument(input: WorkDocumentInput | WorkDocument): string {
  const doc = validateWorkDocument(input) as unknown as Record<string, unknown> & { kind: DocumentKind };
  const out: string[] = [`# ${doc.title as string}`, ""];
  const specs = DOCUMENT_LABELS[doc.kind];
  for (const spec of specs) {
    if (spec.type === "list") continue;
    const value = doc[spec.field];
    if (isOmittedDefault(spec.field, value)) continue;
    const text =
      spec.type === "json" ? canonicalJson(value) : spec.type === "boolean" ? String(value) : String(value);
    out.push(`${spec.label}: ${text}`);
  }
  for (const spec of specs) {
    if (spec.type !== "list") continue;
    const items = doc[spec.field] as string[] | undefined;
    if (!items || items.length === 0) continue;
    out.push("", `${spec.label}:`);
    for (const item of items) out.push(`- ${item}`);
  }
  if (typeof doc.body === "string" && doc.body !== "") out.push("", doc.body);
  return `${out.join("\n")}\n`;
}
