// The parser and the writer by their own files: the package's main module also loads its stream and
// async parsers, and with them node's stream modules, which no command here uses.
import parseTomlText from "@iarna/toml/parse-string.js";
import stringifyTomlValue from "@iarna/toml/stringify.js";

/**
 * The only module that touches TOML (CONTRIBUTING: side effects live in one place). Values come back
 * as plain JSON-like data: TOML dates become ISO strings so schemas see ordinary strings.
 */

export interface TomlSyntaxProblem {
  /** 1-based line of the problem. */
  readonly line: number;
  /** 1-based column of the problem. */
  readonly column: number;
  /** What the parser expected, without its multi-line excerpt. */
  readonly reason: string;
}

export type TomlParseResult =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; problem: TomlSyntaxProblem };

function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = plain(inner);
    return out;
  }
  if (typeof value === "bigint") return Number(value);
  return value;
}

export function parseToml(text: string): TomlParseResult {
  try {
    return { ok: true, value: plain(parseTomlText(text)) as Record<string, unknown> };
  } catch (error) {
    const err = error as { line?: number; col?: number; message?: string };
    const firstLine = String(err.message ?? "invalid TOML").split("\n")[0] ?? "invalid TOML";
    const reason = firstLine.replace(/ at row \d+, col \d+, pos \d+:?$/, "").trim();
    return {
      ok: false,
      problem: {
        line: typeof err.line === "number" ? err.line + 1 : 1,
        column: typeof err.col === "number" ? err.col + 1 : 1,
        reason,
      },
    };
  }
}

export function stringifyToml(value: Record<string, unknown>): string {
  return stringifyTomlValue(value);
}

/**
 * Where each key sits in a TOML text: dotted path → 1-based line. Understands table headers,
 * arrays of tables (indexed as `a.b.0`), dotted and quoted keys; values spanning lines are skipped.
 */
export function tomlKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const arrayCounts = new Map<string, number>();
  let prefix: string[] = [];
  let depth = 0; // bracket depth of a multi-line array or inline table still open
  let inMultiString: string | undefined;
  const source = text.split(/\r?\n/);
  for (let index = 0; index < source.length; index++) {
    const raw = source[index] ?? "";
    if (inMultiString) {
      if (raw.includes(inMultiString)) inMultiString = undefined;
      continue;
    }
    const line = stripComment(raw).trim();
    if (line === "") continue;
    if (depth > 0) {
      depth = Math.max(0, depth + bracketBalance(line));
      continue;
    }
    const arrayHeader = /^\[\[(.+)\]\]$/.exec(line);
    if (arrayHeader?.[1]) {
      const key = splitKey(arrayHeader[1]).join(".");
      const count = arrayCounts.get(key) ?? 0;
      arrayCounts.set(key, count + 1);
      prefix = [...splitKey(arrayHeader[1]), String(count)];
      if (!lines.has(key)) lines.set(key, index + 1);
      lines.set(prefix.join("."), index + 1);
      continue;
    }
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1]) {
      prefix = resolveArrayIndexes(splitKey(header[1]), arrayCounts);
      recordPath(lines, prefix, index + 1);
      continue;
    }
    const eq = findAssignment(line);
    if (eq < 0) continue;
    const keyParts = splitKey(line.slice(0, eq));
    recordPath(lines, [...prefix, ...keyParts], index + 1);
    const value = line.slice(eq + 1).trim();
    const triple = /^("""|''')/.exec(value);
    if (triple?.[1] && value.indexOf(triple[1], 3) < 0) inMultiString = triple[1];
    else depth = Math.max(0, bracketBalance(value));
  }
  return lines;
}

function recordPath(lines: Map<string, number>, parts: string[], line: number): void {
  for (let i = 1; i <= parts.length; i++) {
    const key = parts.slice(0, i).join(".");
    if (i === parts.length || !lines.has(key)) lines.set(key, lines.get(key) ?? line);
  }
  lines.set(parts.join("."), line);
}

function resolveArrayIndexes(parts: string[], counts: Map<string, number>): string[] {
  const out: string[] = [];
  const plainParts: string[] = [];
  for (const part of parts) {
    out.push(part);
    plainParts.push(part);
    const count = counts.get(plainParts.join("."));
    if (count !== undefined) out.push(String(count - 1));
  }
  return out;
}

/** @internal shared with toml-edit.ts */
export function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === "\\" && quote === '"') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "#") return line.slice(0, i);
  }
  return line;
}

/** @internal shared with toml-edit.ts */
export function findAssignment(line: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "=") return i;
  }
  return -1;
}

/** @internal shared with toml-edit.ts */
export function bracketBalance(value: string): number {
  let balance = 0;
  let quote: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quote) {
      if (ch === "\\" && quote === '"') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "[" || ch === "{") balance++;
    else if (ch === "]" || ch === "}") balance--;
  }
  return balance;
}

/** @internal shared with toml-edit.ts */
export function splitKey(key: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (const ch of key.trim()) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ".") {
      parts.push(current.trim());
      current = "";
    } else current += ch;
  }
  parts.push(current.trim());
  return parts;
}
