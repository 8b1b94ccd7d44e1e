import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { type InstalledSkill, MillraceError, type SkillDetail, type SkillListing } from "@millrace/contracts";
import { readRegularFile, type WorkspacePaths } from "@millrace/workspace";
import { readSkillsManifest } from "./manifest.js";
import { DEFAULT_SKILL_LIMITS } from "./validate.js";

// Installed files are read like any workspace file: a link, a FIFO or an oversized file put in
// their place reads as "changed", never followed, waited on or read whole.
function installedBytes(file: string): Buffer | null {
  const read = readRegularFile(file, { maxBytes: DEFAULT_SKILL_LIMITS.maxFileBytes, utf8: false });
  return read.kind === "ok" ? read.bytes : null;
}

function statusOf(paths: WorkspacePaths, skill: InstalledSkill): SkillListing["status"] {
  if (!existsSync(path.join(paths.runtimeRoot, ...skill.relative_path.split("/")))) return "missing";
  for (const [rel, sha] of Object.entries(skill.files)) {
    const bytes = installedBytes(path.join(paths.runtimeRoot, ...rel.split("/")));
    if (bytes === null || createHash("sha256").update(bytes).digest("hex") !== sha) return "modified";
  }
  return "ok";
}

/** Installed skills (from the manifest), by name, with whether their files are as installed. */
export function listSkills(paths: WorkspacePaths): SkillListing[] {
  return readSkillsManifest(paths).skills.map((skill) => ({ ...skill, status: statusOf(paths, skill) }));
}

/** One installed skill with its SKILL.md text (null when the file is gone). */
export function showSkill(paths: WorkspacePaths, name: string): SkillDetail {
  const skill = readSkillsManifest(paths).skills.find((s) => s.name === name);
  if (!skill) throw new MillraceError("not_found", `no installed skill is named ${JSON.stringify(name)}`);
  const file = path.join(paths.runtimeRoot, ...skill.relative_path.split("/"), "SKILL.md");
  return {
    ...skill,
    status: statusOf(paths, skill),
    skill_md: installedBytes(file)?.toString("utf8") ?? null,
  };
}
