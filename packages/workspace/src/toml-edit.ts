import { isDeepStrictEqual } from "node:util";
import { MillraceError } from "@millrace/contracts";
import { bracketBalance, findAssignment, parseToml, splitKey, stripComment } from "./toml.js";

/**
 * A small, targeted TOML line editor: it changes only the lines it must, so comments, blank lines
 * and the order of everything else survive (the TOML library rewrites a whole file and drops
 * comments). It knows three shapes: a scalar key inside a `[table]` header section, a whole
 * `[table]` section, and appending a new section. Anything else (a table defined inline or by
 * dotted keys, a value spanning lines) is refused with `config_edit_unsafe`, and every result is
 * re-parsed and compared with the intended change before it is returned.
 */

export type TomlScalar = string | boolean;

export type TomlEdit =
  | {
      readonly op: "set";
      readonly table: readonly string[];
      readonly key: string;
      readonly value: TomlScalar;
    }
  | { readonly op: "remove_key"; readonly table: readonly string[]; readonly key: string }
  | { readonly op: "remove_table"; readonly table: readonly string[] };

interface Line {
  readonly text: string;
  /** The section the line belongs to (`null` before the first header, or inside `[[...]]`). */
  readonly table: string[] | null;
  readonly kind: "header" | "key" | "continuation" | "other";
  /** For key lines: the key parts and whether the value continues on later lines. */
  readonly key?: string[];
  readonly multiline?: boolean;
}

function unsafe(message: string): MillraceError {
  return new MillraceError("config_edit_unsafe", message, {
    hint: "Edit millrace.toml by hand (use a [table] section with one `key = value` per line), or simplify that part of the file and retry.",
  });
}

function classify(text: string): Line[] {
  const out: Line[] = [];
  let table: string[] | null = [];
  let depth = 0;
  let inMultiString: string | undefined;
  for (const raw of text.split("\n")) {
    if (inMultiString || depth > 0) {
      if (inMultiString) {
        if (raw.includes(inMultiString)) inMultiString = undefined;
      } else depth = Math.max(0, depth + bracketBalance(stripComment(raw)));
      out.push({ text: raw, table, kind: "continuation" });
      continue;
    }
    const line = stripComment(raw).trim();
    if (/^\[\[.+\]\]$/.test(line)) {
      table = null;
      out.push({ text: raw, table, kind: "header" });
      continue;
    }
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1]) {
      table = splitKey(header[1]);
      out.push({ text: raw, table, kind: "header" });
      continue;
    }
    const eq = line === "" ? -1 : findAssignment(line);
    if (eq < 0) {
      out.push({ text: raw, table, kind: "other" });
      continue;
    }
    const value = line.slice(eq + 1).trim();
    const triple = /^("""|''')/.exec(value);
    let multiline = false;
    if (triple?.[1] && value.indexOf(triple[1], 3) < 0) {
      inMultiString = triple[1];
      multiline = true;
    } else {
      depth = Math.max(0, bracketBalance(value));
      multiline = depth > 0;
    }
    out.push({ text: raw, table, kind: "key", key: splitKey(line.slice(0, eq)), multiline });
  }
  return out;
}

function samePath(a: readonly string[] | null | undefined, b: readonly string[]): boolean {
  return a != null && a.length === b.length && a.every((part, i) => part === b[i]);
}

function formatKeyPart(part: string): string {
  return /^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part);
}

function formatValue(value: TomlScalar): string {
  return typeof value === "boolean" ? String(value) : JSON.stringify(value);
}

/** Index of the header line of `table` and the end (exclusive) of its section, or null. */
function section(lines: Line[], table: readonly string[]): { start: number; end: number } | null {
  const start = lines.findIndex((line) => line.kind === "header" && samePath(line.table, table));
  if (start < 0) return null;
  let end = start + 1;
  while (end < lines.length && lines[end]?.kind !== "header") end++;
  // Comments and blank lines just above the next header belong to it, not to this section.
  while (end > start + 1 && lines[end - 1]?.kind === "other" && end < lines.length) end--;
  return { start, end };
}

function findKey(lines: Line[], from: number, to: number, key: string): number {
  for (let i = from; i < to; i++) {
    const line = lines[i];
    if (line?.kind === "key" && samePath(line.key, [key])) {
      if (line.multiline)
        throw unsafe(`the value of ${key} spans several lines; it cannot be edited in place`);
      return i;
    }
  }
  return -1;
}

function applyLineEdit(lines: Line[], edit: TomlEdit): Line[] {
  const found = section(lines, edit.table);
  const header = `[${edit.table.map(formatKeyPart).join(".")}]`;
  if (edit.op === "remove_table") {
    if (!found) return lines;
    const next = [...lines];
    next.splice(found.start, found.end - found.start);
    const blank = (i: number) => next[i] !== undefined && next[i]?.text.trim() === "";
    if ((found.start === 0 || blank(found.start - 1)) && blank(found.start)) next.splice(found.start, 1);
    return next;
  }
  if (edit.op === "remove_key") {
    if (!found) return lines;
    const at = findKey(lines, found.start + 1, found.end, edit.key);
    return at < 0 ? lines : lines.filter((_, i) => i !== at);
  }
  const assignment = `${formatKeyPart(edit.key)} = ${formatValue(edit.value)}`;
  const keyLine = (text: string): Line => ({ text, table: [...edit.table], kind: "key", key: [edit.key] });
  if (!found) {
    const next = [...lines];
    while (next.length > 0 && next[next.length - 1]?.text.trim() === "") next.pop();
    if (next.length > 0) next.push({ text: "", table: null, kind: "other" });
    next.push({ text: header, table: [...edit.table], kind: "header" }, keyLine(assignment));
    next.push({ text: "", table: null, kind: "other" });
    return next;
  }
  const at = findKey(lines, found.start + 1, found.end, edit.key);
  const next = [...lines];
  if (at >= 0) {
    const old = lines[at]?.text ?? "";
    const indent = /^\s*/.exec(old)?.[0] ?? "";
    const comment = old.slice(stripComment(old).length);
    next[at] = keyLine(`${indent}${assignment}${comment ? ` ${comment.trimStart()}` : ""}`);
    return next;
  }
  let insertAt = found.end;
  while (insertAt > found.start + 1 && lines[insertAt - 1]?.text.trim() === "") insertAt--;
  next.splice(insertAt, 0, keyLine(assignment));
  return next;
}

/** The intended change on parsed data, to check the text edit against. */
function applyDataEdit(data: Record<string, unknown>, edit: TomlEdit): void {
  let node: Record<string, unknown> = data;
  const parents = edit.op === "remove_table" ? edit.table.slice(0, -1) : edit.table;
  for (const part of parents) {
    const child = node[part];
    if (child === undefined) {
      if (edit.op !== "set") return;
      node[part] = {};
    } else if (child === null || typeof child !== "object" || Array.isArray(child)) {
      throw unsafe(`${edit.table.join(".")} is not a table in millrace.toml`);
    }
    node = node[part] as Record<string, unknown>;
  }
  if (edit.op === "set") node[edit.key] = edit.value;
  else if (edit.op === "remove_key") delete node[edit.key];
  else delete node[edit.table[edit.table.length - 1] as string];
}

function pruneEmpty(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const pruned = pruneEmpty(inner);
    if (
      pruned !== null &&
      typeof pruned === "object" &&
      !Array.isArray(pruned) &&
      Object.keys(pruned).length === 0
    )
      continue;
    out[key] = pruned;
  }
  return out;
}

/**
 * Applies the edits to a TOML text and returns the new text. Throws `config_edit_unsafe` when the
 * text does not parse, when a line to change has a shape this editor does not handle, or when the
 * edited text does not parse to exactly the intended data.
 */
export function editTomlText(text: string, edits: readonly TomlEdit[]): string {
  const before = parseToml(text);
  if (!before.ok) {
    throw unsafe(
      `millrace.toml does not parse (line ${before.problem.line}: ${before.problem.reason}); fix it first`,
    );
  }
  const crlf = text.includes("\r\n");
  let lines = classify(crlf ? text.replace(/\r\n/g, "\n") : text);
  const expected = structuredClone(before.value);
  for (const edit of edits) {
    lines = applyLineEdit(lines, edit);
    applyDataEdit(expected, edit);
  }
  let result = lines.map((line) => line.text).join("\n");
  if (crlf) result = result.replace(/\n/g, "\r\n");
  const after = parseToml(result);
  if (!after.ok || !isDeepStrictEqual(pruneEmpty(after.value), pruneEmpty(expected))) {
    throw unsafe(
      `millrace.toml defines ${edits.map((e) => e.table.join(".")).join(", ")} in a shape this editor cannot change safely (inline table, dotted keys or an array of tables)`,
    );
  }
  return result;
}
