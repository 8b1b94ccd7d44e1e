import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import {
  type InstalledSkillsManifest,
  InstalledSkillsManifestSchema,
  MillraceError,
} from "@millrace/contracts";
import { type WorkspacePaths, writeJsonAtomicSync } from "@millrace/workspace";
import { readTolerant } from "../store/read-json.js";

/** Where installed skills live, relative to the runtime root (the Curator and Librarian use it too). */
export const INSTALLED_SKILLS_FOLDER = "skills/learned";

export function emptySkillsManifest(): InstalledSkillsManifest {
  return { schema_version: "1.0", kind: "installed_skills", skills: [] };
}

/** The installed-skills manifest; missing reads as empty, unreadable refuses (manifest_invalid). */
export function readSkillsManifest(paths: WorkspacePaths): InstalledSkillsManifest {
  if (!existsSync(paths.installedSkills)) return emptySkillsManifest();
  const read = readTolerant(paths.installedSkills, InstalledSkillsManifestSchema, "installed_skills");
  if (read.ok) return read.value;
  throw new MillraceError(
    "manifest_invalid",
    `the installed-skills manifest ${paths.installedSkills} is invalid: ${read.problem.reason}`,
    {
      hint: "Restore the file from version control, or remove the skills it lists and delete it.",
    },
  );
}

export function writeSkillsManifest(paths: WorkspacePaths, manifest: InstalledSkillsManifest): void {
  const sorted = { ...manifest, skills: [...manifest.skills].sort((a, b) => (a.name < b.name ? -1 : 1)) };
  mkdirSync(path.dirname(paths.installedSkills), { recursive: true });
  writeJsonAtomicSync(paths.installedSkills, InstalledSkillsManifestSchema.parse(sorted));
}
