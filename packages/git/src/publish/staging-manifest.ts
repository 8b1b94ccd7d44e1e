import { readFileSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import { pathsOverlap } from "../paths/path-overlap.js";

/** The staging manifest: which workspace paths are copied into the staging repository. */
export interface StagingManifest {
  readonly version: number;
  readonly paths: readonly string[];
  readonly optionalPaths: readonly string[];
  /** Where it came from: a workspace file (its path) or a package-provided default. */
  readonly source: { readonly kind: "workspace" | "package"; readonly ref: string };
}

/** `millrace-agents/staging_manifest.yml`. */
export function defaultStagingManifestPath(paths: WorkspacePaths): string {
  return path.join(paths.runtimeRoot, "staging_manifest.yml");
}

/** `<workspace>/staging`. */
export function defaultStagingDir(paths: WorkspacePaths): string {
  return path.join(paths.root, "staging");
}

function invalid(ref: string, problem: string, line?: number): MillraceError {
  const where = line === undefined ? ref : `${ref}:${line}`;
  return new MillraceError("staging_manifest_invalid", `staging manifest ${where}: ${problem}`, {
    details: { manifest: ref, line: line ?? null },
  });
}

export function readStagingManifest(file: string): StagingManifest {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw invalid(file, "the file does not exist");
    throw error;
  }
  return parseStagingManifest(text, { kind: "workspace", ref: file });
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
    return v.slice(1, -1);
  }
  return v;
}

function stripComment(line: string): string {
  const hash = line.search(/(^|\s)#/);
  return (hash === -1 ? line : line.slice(0, hash)).trimEnd();
}

/**
 * A narrow YAML reader for exactly this file: `version: N`, and `paths:` / `optional_paths:` each
 * followed by `- item` lines (or `[]`). Anything else is refused with its line number.
 */
export function parseStagingManifest(text: string, source: StagingManifest["source"]): StagingManifest {
  let version: number | undefined;
  const lists: Record<"paths" | "optional_paths", string[] | undefined> = {
    paths: undefined,
    optional_paths: undefined,
  };
  let currentList: "paths" | "optional_paths" | null = null;
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = stripComment(raw);
    const number = index + 1;
    if (line.trim() === "") continue;
    const item = /^\s+-\s+(.+)$|^-\s+(.+)$/.exec(line);
    if (item) {
      if (currentList === null)
        throw invalid(source.ref, "a list item outside `paths:` or `optional_paths:`", number);
      lists[currentList]?.push(unquote(item[1] ?? item[2] ?? ""));
      continue;
    }
    const key = /^([a-z_]+):\s*(.*)$/.exec(line);
    if (!key) throw invalid(source.ref, `cannot read ${JSON.stringify(raw.trim())}`, number);
    const [, name, rest = ""] = key;
    if (name === "version") {
      if (!/^\d+$/.test(rest.trim()) || Number(rest) < 1)
        throw invalid(source.ref, "version must be a positive integer", number);
      version = Number(rest);
      currentList = null;
    } else if (name === "paths" || name === "optional_paths") {
      if (lists[name] !== undefined) throw invalid(source.ref, `\`${name}:\` appears twice`, number);
      if (rest.trim() !== "" && rest.trim() !== "[]") {
        throw invalid(source.ref, `\`${name}:\` takes a list of \`- path\` lines`, number);
      }
      lists[name] = [];
      currentList = rest.trim() === "[]" ? null : name;
    } else {
      throw invalid(source.ref, `unknown key \`${name}\` (allowed: version, paths, optional_paths)`, number);
    }
  }
  if (version === undefined) throw invalid(source.ref, "`version:` is missing");
  const required = checkPaths(source.ref, lists.paths ?? [], "paths");
  if (required.length === 0) throw invalid(source.ref, "`paths:` must list at least one path");
  const optional = checkPaths(source.ref, lists.optional_paths ?? [], "optional_paths");
  for (const a of required) {
    const clash = optional.find((b) => pathsOverlap(a, b));
    if (clash) throw invalid(source.ref, `${a} (paths) overlaps ${clash} (optional_paths)`);
  }
  return { version, paths: required, optionalPaths: optional, source };
}

/** Why a manifest path is not a plain repo-relative path, or `undefined`. */
export function explainInvalidManifestPath(p: string): string | undefined {
  if (p.length === 0) return "is empty";
  if (p.includes("\0")) return "contains a NUL byte";
  if (p.includes("\\")) return "uses a backslash; write paths with '/'";
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p))
    return "is absolute; paths are relative to the workspace root";
  const segments = p.replace(/\/$/, "").split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) return "has an empty, '.' or '..' segment";
  if (segments[0] === ".git") return "points into .git";
  return undefined;
}

function checkPaths(ref: string, paths: readonly string[], key: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of paths) {
    const problem = explainInvalidManifestPath(p);
    if (problem) throw invalid(ref, `${key} entry ${JSON.stringify(p)} ${problem}`);
    const clean = p.replace(/\/$/, "");
    const clash = out.find((q) => pathsOverlap(q, clean));
    if (seen.has(clean) || clash)
      throw invalid(ref, `${key} entry ${JSON.stringify(p)} overlaps ${clash ?? clean}`);
    seen.add(clean);
    out.push(clean);
  }
  return out;
}
