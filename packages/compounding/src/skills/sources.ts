import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type InstalledSkillSourceKind, MillraceError } from "@millrace/contracts";
import { foldersIn } from "../store/read-json.js";
import { readTarGz, unpackEntries } from "./tarball.js";

export type SkillSource =
  /** One skill folder (holding SKILL.md), or a folder of skill folders. */
  | { readonly kind: "folder"; readonly path: string }
  /** An unpacked npm package: its `skills/` folder holds the skills. */
  | { readonly kind: "npm_package"; readonly path: string }
  /** A `.tgz` made by `npm pack`; unpacked into a temp folder, then read like a package. */
  | { readonly kind: "tarball"; readonly path: string };

export interface ResolvedSource {
  readonly kind: InstalledSkillSourceKind;
  /** What the manifest records as the source. */
  readonly label: string;
  /** Skill folders found, absolute. */
  readonly folders: string[];
  /** Removes the temp folder of an unpacked tarball. */
  readonly dispose: () => void;
}

function notFound(message: string): never {
  throw new MillraceError("skill_invalid", message, {
    hint: "Pass a skill folder (with SKILL.md), a folder of skills, an unpacked npm package with a skills/ folder, or its .tgz.",
  });
}

function skillFoldersIn(dir: string): string[] {
  if (existsSync(path.join(dir, "SKILL.md"))) return [dir];
  return foldersIn(dir)
    .map((name) => path.join(dir, name))
    .filter((folder) => existsSync(path.join(folder, "SKILL.md")));
}

function packageLabel(dir: string, fallback: string): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
      name?: unknown;
      version?: unknown;
    };
    if (typeof manifest.name === "string") {
      return typeof manifest.version === "string" ? `${manifest.name}@${manifest.version}` : manifest.name;
    }
  } catch {
    // no readable package.json: the path is the label
  }
  return fallback;
}

function fromPackage(
  root: string,
  kind: InstalledSkillSourceKind,
  label: string,
  dispose: () => void,
): ResolvedSource {
  const skillsDir = path.join(root, "skills");
  if (!existsSync(skillsDir) || !statSync(skillsDir).isDirectory()) {
    dispose();
    notFound(`${label} has no skills/ folder`);
  }
  return { kind, label, folders: skillFoldersIn(skillsDir), dispose };
}

/** Finds the skill folders of a source (unpacking a tarball first). */
export function resolveSkillSource(source: SkillSource): ResolvedSource {
  const absolute = path.resolve(source.path);
  if (!existsSync(absolute)) notFound(`${absolute} does not exist`);
  if (source.kind === "folder") {
    if (!statSync(absolute).isDirectory()) notFound(`${absolute} is not a folder`);
    return { kind: "folder", label: absolute, folders: skillFoldersIn(absolute), dispose: () => {} };
  }
  if (source.kind === "npm_package") {
    return fromPackage(absolute, "npm_package", packageLabel(absolute, absolute), () => {});
  }
  const temp = mkdtempSync(path.join(os.tmpdir(), "millrace-skill-tgz-"));
  const dispose = () => rmSync(temp, { recursive: true, force: true });
  try {
    unpackEntries(readTarGz(absolute, readFileSync(absolute)), temp);
  } catch (error) {
    dispose();
    throw error;
  }
  // `npm pack` puts everything under package/.
  const root = existsSync(path.join(temp, "package")) ? path.join(temp, "package") : temp;
  return fromPackage(
    root,
    "tarball",
    `${packageLabel(root, path.basename(absolute))} (${absolute})`,
    dispose,
  );
}
