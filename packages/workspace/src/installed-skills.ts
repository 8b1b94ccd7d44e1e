import { InstalledSkillsManifestSchema, MillraceError } from "@millrace/contracts";
import type { WorkspacePaths } from "./paths.js";
import { describeReadProblem, READ_LIMITS, readRegularFile } from "./safe-read.js";

/**
 * The runtime-root-relative folders of skills installed on top of the baseline
 * (`state/installed_skills.json`, written by `@millrace/compounding`). Upgrade never writes into
 * them, so an installed skill survives even a package that later ships a file at the same path.
 * A manifest that cannot be read refuses the upgrade: guessing would risk overwriting a skill.
 */
export function installedSkillFolders(paths: WorkspacePaths): string[] {
  const read = readRegularFile(paths.installedSkills, { maxBytes: READ_LIMITS.document, utf8: true });
  if (read.kind === "missing") return [];
  if (read.kind !== "ok") throw invalid(paths, describeReadProblem(read));
  let value: unknown;
  try {
    value = JSON.parse(read.text);
  } catch (error) {
    throw invalid(paths, `not valid JSON (${(error as Error).message})`);
  }
  const parsed = InstalledSkillsManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(paths, `${issue?.path.join(".") || "root"}: ${issue?.message}`);
  }
  return parsed.data.skills.map((skill) => skill.relative_path.replace(/\/+$/, ""));
}

function invalid(paths: WorkspacePaths, reason: string): MillraceError {
  return new MillraceError(
    "manifest_invalid",
    `the installed-skills manifest ${paths.installedSkills} is invalid: ${reason}`,
    {
      hint: "Restore the file from version control, or remove the skills it lists and delete it.",
    },
  );
}

/** Whether a runtime-root-relative path lies inside one of the given folders. */
export function insideAnyFolder(relativePath: string, folders: readonly string[]): boolean {
  return folders.some((folder) => relativePath === folder || relativePath.startsWith(`${folder}/`));
}
