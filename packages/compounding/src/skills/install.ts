import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import {
  formatTimestamp,
  type InstalledSkill,
  MillraceError,
  type SkillInstallOutput,
} from "@millrace/contracts";
import { fsyncDirSync, type WorkspacePaths } from "@millrace/workspace";
import { INSTALLED_SKILLS_FOLDER, readSkillsManifest, writeSkillsManifest } from "./manifest.js";
import { resolveSkillSource, type SkillSource } from "./sources.js";
import {
  DEFAULT_SKILL_LIMITS,
  type SkillLimits,
  type SkillValidation,
  validateSkillFolder,
} from "./validate.js";

export interface InstallOptions {
  readonly source: SkillSource;
  /** Install only these skill names from the source (default: all it holds). */
  readonly only?: readonly string[];
  /** Replace an installed skill of the same name instead of refusing (skill_conflict). */
  readonly replace?: boolean;
  readonly limits?: SkillLimits;
  readonly now?: Date;
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

function invalid(checks: readonly SkillValidation[]): never {
  const lines = checks.flatMap((check) =>
    check.problems.map((p) => `${check.name ?? path.basename(check.folder)}: ${p}`),
  );
  throw new MillraceError(
    "skill_invalid",
    `skill validation failed: ${lines[0]}${lines.length > 1 ? ` (and ${lines.length - 1} more)` : ""}`,
    {
      details: { problems: lines },
    },
  );
}

/**
 * Validates every skill of the source, then installs each into `skills/learned/<name>/` (copied
 * into a hidden folder, then renamed into place) and records it in `state/installed_skills.json`
 * so `upgrade` leaves it alone. Nothing is written unless every selected skill is valid.
 */
export function installSkills(paths: WorkspacePaths, options: InstallOptions): SkillInstallOutput {
  const source = resolveSkillSource(options.source);
  try {
    const checks = source.folders.map((folder) =>
      validateSkillFolder(folder, options.limits ?? DEFAULT_SKILL_LIMITS),
    );
    const selected = options.only
      ? checks.filter((c) => c.name !== null && options.only?.includes(c.name))
      : checks;
    const missing = (options.only ?? []).filter((name) => !checks.some((c) => c.name === name));
    if (missing.length > 0)
      throw new MillraceError("skill_invalid", `the source has no skill named ${missing.join(", ")}`);
    if (selected.length === 0) throw new MillraceError("skill_invalid", `no skills found in ${source.label}`);
    if (selected.some((c) => !c.ok)) invalid(selected.filter((c) => !c.ok));
    const names = selected.map((c) => c.name as string);
    const dupe = names.find((name, i) => names.indexOf(name) !== i);
    if (dupe) throw new MillraceError("skill_invalid", `the source holds two skills named ${dupe}`);
    const manifest = readSkillsManifest(paths);
    const root = path.join(paths.runtimeRoot, ...INSTALLED_SKILLS_FOLDER.split("/"));
    const taken = names.filter(
      (name) => manifest.skills.some((s) => s.name === name) || existsSync(path.join(root, name)),
    );
    if (taken.length > 0 && !options.replace) {
      throw new MillraceError("skill_conflict", `already installed: ${taken.join(", ")}`);
    }
    const at = formatTimestamp(options.now ?? new Date());
    const installed: InstalledSkill[] = [];
    let current = manifest;
    for (const check of selected) {
      const record = placeSkill(root, check, source.kind, source.label, at);
      current = { ...current, skills: [...current.skills.filter((s) => s.name !== record.name), record] };
      // One manifest write per skill: a kill leaves every placed skill either recorded or absent.
      writeSkillsManifest(paths, current);
      installed.push(record);
    }
    return { installed, replaced: taken };
  } finally {
    source.dispose();
  }
}

function placeSkill(
  root: string,
  check: SkillValidation,
  kind: InstalledSkill["source_kind"],
  label: string,
  at: string,
): InstalledSkill {
  const name = check.name as string;
  mkdirSync(root, { recursive: true });
  clearLitter(root, name);
  const staging = path.join(root, `.${name}.installing-${process.pid}`);
  cpSync(check.folder, staging, { recursive: true });
  const destination = path.join(root, name);
  if (existsSync(destination)) {
    const old = path.join(root, `.${name}.replaced-${process.pid}`);
    renameSync(destination, old);
    renameSync(staging, destination);
    rmSync(old, { recursive: true, force: true });
  } else renameSync(staging, destination);
  fsyncDirSync(root);
  const relative = `${INSTALLED_SKILLS_FOLDER}/${name}`;
  const files: Record<string, string> = {};
  for (const file of check.files)
    files[`${relative}/${file}`] = sha256(path.join(destination, ...file.split("/")));
  return {
    name,
    description: check.description ?? "",
    relative_path: relative,
    source_kind: kind,
    source: label,
    files,
    installed_at: at,
  };
}

/** Hidden folders an interrupted install or remove of this skill left behind. */
function clearLitter(root: string, name: string): void {
  for (const entry of readdirSync(root)) {
    if (
      entry.startsWith(`.${name}.installing-`) ||
      entry.startsWith(`.${name}.replaced-`) ||
      entry.startsWith(`.${name}.removing-`)
    ) {
      rmSync(path.join(root, entry), { recursive: true, force: true });
    }
  }
}

/** Removes an installed skill: its folder first, then its manifest record. Only installed skills can be removed. */
export function removeSkill(paths: WorkspacePaths, name: string): InstalledSkill {
  const manifest = readSkillsManifest(paths);
  const record = manifest.skills.find((s) => s.name === name);
  if (!record) {
    throw new MillraceError("not_found", `no installed skill is named ${JSON.stringify(name)}`, {
      hint: "Installed skills are listed in millrace-agents/state/installed_skills.json; baseline skills cannot be removed.",
    });
  }
  const folder = path.join(paths.runtimeRoot, ...record.relative_path.split("/"));
  if (existsSync(folder)) {
    const trash = path.join(path.dirname(folder), `.${name}.removing-${process.pid}`);
    renameSync(folder, trash);
    rmSync(trash, { recursive: true, force: true });
  }
  writeSkillsManifest(paths, { ...manifest, skills: manifest.skills.filter((s) => s.name !== name) });
  return record;
}
