import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

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

/**
 * Reads and validates one untrusted file. Never throws: a problem becomes an UnloadableFile so a
 * hand-edited or truncated file degrades to a lint finding instead of stopping a stage.
 */
export function readTolerant<T>(
  file: string,
  schema: Parser<T>,
  family: string,
): { ok: true; value: T } | { ok: false; problem: UnloadableFile } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    return { ok: false, problem: { family, file, reason: `not valid JSON (${(error as Error).message})` } };
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
