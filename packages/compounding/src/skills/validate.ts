import { lstatSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseFrontMatter } from "./front-matter.js";

/** Limits a skill must respect; the defaults suit text-only skills. */
export interface SkillLimits {
  readonly maxSkillMdBytes: number;
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;
  readonly maxFiles: number;
  readonly maxDescriptionCharacters: number;
}

export const DEFAULT_SKILL_LIMITS: SkillLimits = {
  maxSkillMdBytes: 64 * 1024,
  maxFileBytes: 256 * 1024,
  maxTotalBytes: 1024 * 1024,
  maxFiles: 64,
  maxDescriptionCharacters: 1024,
};

export const SKILL_NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Text formats only: a skill is guidance for an agent, never something to execute. */
export const ALLOWED_SKILL_EXTENSIONS = [".md", ".txt", ".json", ".yaml", ".yml", ".toml", ".csv"] as const;

export interface SkillValidation {
  readonly ok: boolean;
  readonly folder: string;
  readonly name: string | null;
  readonly description: string | null;
  /** Posix paths relative to the skill folder, sorted. */
  readonly files: string[];
  /** One line per problem, naming the file. */
  readonly problems: string[];
}

// One walk that checks every file rule; splitting it would pass the same counters around.
function walk(folder: string, limits: SkillLimits, problems: string[]): string[] {
  const files: string[] = [];
  let total = 0;
  const visit = (dir: string, parts: string[]) => {
    for (const name of readdirSync(dir).sort()) {
      const rel = [...parts, name].join("/");
      const full = path.join(dir, name);
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) problems.push(`${rel}: symbolic links are not allowed`);
      else if (stat.isDirectory()) {
        if (parts.length >= 3) problems.push(`${rel}: folders nest deeper than 4 levels`);
        else visit(full, [...parts, name]);
      } else if (!stat.isFile()) problems.push(`${rel}: only regular files are allowed`);
      else {
        files.push(rel);
        total += stat.size;
        checkFile(full, rel, stat.mode, stat.size, limits, problems);
      }
    }
  };
  visit(folder, []);
  if (files.length > limits.maxFiles)
    problems.push(`the skill has ${files.length} files (limit ${limits.maxFiles})`);
  if (total > limits.maxTotalBytes)
    problems.push(`the skill holds ${total} bytes (limit ${limits.maxTotalBytes})`);
  return files;
}

function checkFile(
  full: string,
  rel: string,
  mode: number,
  size: number,
  limits: SkillLimits,
  problems: string[],
) {
  if ((mode & 0o111) !== 0) problems.push(`${rel}: executable files are not allowed`);
  const ext = path.extname(rel).toLowerCase();
  if (!(ALLOWED_SKILL_EXTENSIONS as readonly string[]).includes(ext)) {
    problems.push(`${rel}: only text files (${ALLOWED_SKILL_EXTENSIONS.join(", ")}) are allowed`);
    return;
  }
  if (size > limits.maxFileBytes) {
    problems.push(`${rel}: ${size} bytes (limit ${limits.maxFileBytes})`);
    return;
  }
  const bytes = readFileSync(full);
  if (bytes.includes(0)) problems.push(`${rel}: binary content is not allowed`);
  else if (bytes.subarray(0, 2).toString() === "#!")
    problems.push(`${rel}: script payloads (#!) are not allowed`);
}

/** Validates one skill folder without changing anything. */
export function validateSkillFolder(
  folder: string,
  limits: SkillLimits = DEFAULT_SKILL_LIMITS,
): SkillValidation {
  const problems: string[] = [];
  let files: string[] = [];
  let name: string | null = null;
  let description: string | null = null;
  try {
    if (!lstatSync(folder).isDirectory()) throw new Error("not a folder");
    files = walk(folder, limits, problems);
  } catch (error) {
    problems.push(`cannot read the skill folder: ${(error as Error).message}`);
  }
  if (!files.includes("SKILL.md")) problems.push("SKILL.md is missing");
  else {
    const text = readFileSync(path.join(folder, "SKILL.md"), "utf8");
    if (Buffer.byteLength(text) > limits.maxSkillMdBytes) {
      problems.push(`SKILL.md: ${Buffer.byteLength(text)} bytes (limit ${limits.maxSkillMdBytes})`);
    }
    const front = parseFrontMatter(text);
    if ("error" in front) problems.push(`SKILL.md: ${front.error}`);
    else {
      name = front.fields.name || null;
      description = front.fields.description || null;
      if (name === null) problems.push("SKILL.md: the front matter needs a `name`");
      else if (!SKILL_NAME_PATTERN.test(name) || name.length > 64) {
        problems.push(
          `SKILL.md: name ${JSON.stringify(name)} must be 1-64 lower-case letters, digits and single hyphens`,
        );
      }
      if (description === null) problems.push("SKILL.md: the front matter needs a `description`");
      else if (description.length > limits.maxDescriptionCharacters) {
        problems.push(
          `SKILL.md: the description has ${description.length} characters (limit ${limits.maxDescriptionCharacters})`,
        );
      }
    }
  }
  return { ok: problems.length === 0, folder, name, description, files: files.sort(), problems };
}
