import { readdirSync } from "node:fs";
import path from "node:path";
import { findControlChar } from "@millrace/contracts";
import { describeReadProblem, readRegularFile } from "@millrace/workspace";

/**
 * The largest store file read, in bytes. Stored bodies are capped far below this (a procedure at
 * 6,000 characters), so a bigger file was not written by the runtime and is refused unread.
 */
export const STORE_FILE_MAX_BYTES = 1024 * 1024;

/** What the store needs of a zod schema (structural, so this package needs no zod dependency). */
export interface Parser<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** A file the store could not use: bad JSON or a shape that does not validate. Lint reports these. */
export interface UnloadableFile {
  readonly family: string;
  readonly file: string;
  readonly reason: string;
}

export interface LoadedFile<T> {
  readonly file: string;
  readonly value: T;
}

/** JSON files of one folder (sorted; hidden and temp files skipped); a missing folder is empty. */
export function jsonFilesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(".json") && !name.startsWith("."))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Sub-folders of one folder (sorted; hidden skipped). */
export function foldersIn(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/** The first string in a parsed JSON value holding a control character other than newline and tab. */
function controlCharIn(value: unknown): string | undefined {
  if (typeof value === "string") return findControlChar(value, "\n\t")?.name;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = controlCharIn(item);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === "object") {
    for (const item of Object.values(value)) {
      const found = controlCharIn(item);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Reads and validates one untrusted file under the workspace's safe-read rules: no link followed,
 * no FIFO waited on, nothing over STORE_FILE_MAX_BYTES read, and no control character (other than
 * newline and tab) in any string, since stored text reaches prompts and terminals. Never throws: a
 * problem becomes an UnloadableFile so a hand-edited or hostile file degrades to a lint finding
 * instead of stopping a stage.
 */
export function readTolerant<T>(
  file: string,
  schema: Parser<T>,
  family: string,
): { ok: true; value: T } | { ok: false; problem: UnloadableFile } {
  const read = readRegularFile(file, { maxBytes: STORE_FILE_MAX_BYTES });
  if (read.kind !== "ok") return { ok: false, problem: { family, file, reason: describeReadProblem(read) } };
  let raw: unknown;
  try {
    raw = JSON.parse(read.text);
  } catch (error) {
    return { ok: false, problem: { family, file, reason: `not valid JSON (${(error as Error).message})` } };
  }
  const control = controlCharIn(raw);
  if (control !== undefined) {
    return { ok: false, problem: { family, file, reason: `holds the control character ${control}` } };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      problem: { family, file, reason: `${issue?.path.join(".") || "root"}: ${issue?.message}` },
    };
  }
  return { ok: true, value: parsed.data };
}

/** Reads every file, collecting the loadable values and the problems. */
export function readAllTolerant<T>(
  files: readonly string[],
  schema: Parser<T>,
  family: string,
  problems: UnloadableFile[],
): LoadedFile<T>[] {
  const out: LoadedFile<T>[] = [];
  for (const file of files) {
    const read = readTolerant(file, schema, family);
    if (read.ok) out.push({ file, value: read.value });
    else problems.push(read.problem);
  }
  return out;
}
