import { randomBytes } from "node:crypto";
import { cpSync, existsSync, lstatSync, mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { MillraceError, type PublishSyncEntry, type PublishSyncReport } from "@millrace/contracts";
import { comparablePath } from "../lanes/worktree-list.js";
import type { StagingManifest } from "./staging-manifest.js";

export interface PublishSyncOptions {
  readonly workspaceRoot: string;
  readonly stagingDir: string;
  readonly manifest: StagingManifest;
}

type SourceKind = "file" | "directory";

function kindOf(p: string): SourceKind | null {
  try {
    const stat = lstatSync(p);
    return stat.isDirectory() ? "directory" : "file";
  } catch {
    return null;
  }
}

function inside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(`${parent}${path.sep}`);
}

/**
 * Copies each manifest path from the workspace into the staging folder (creating the folder when
 * missing). A copied path replaces its staging copy whole, so files deleted in the workspace
 * disappear from staging too; `.git` entries inside a copied folder are never copied. An absent
 * optional path is removed from staging (`removed_optional`) or skipped (`skipped_optional`).
 * Every required path is checked before anything is written.
 */
export function publishSync(options: PublishSyncOptions): PublishSyncReport {
  const root = path.resolve(options.workspaceRoot);
  const staging = path.resolve(options.stagingDir);
  const { manifest } = options;
  const sources = [...manifest.paths, ...manifest.optionalPaths].map((p) => ({ p, abs: path.join(root, p) }));
  const realStaging = comparablePath(staging);
  for (const { p, abs } of sources) {
    const realSource = comparablePath(abs);
    if (inside(realStaging, realSource) || inside(realSource, realStaging)) {
      throw new MillraceError(
        "staging_manifest_invalid",
        `manifest path ${p} contains or is inside the staging folder`,
        {
          hint: "Keep the staging folder out of the copied paths (list its siblings instead), or move it.",
          details: { path: p, staging_dir: staging },
        },
      );
    }
  }
  const missing = manifest.paths.filter((p) => kindOf(path.join(root, p)) === null);
  if (missing.length > 0) {
    throw new MillraceError(
      "staging_path_missing",
      `required staging path missing in the workspace: ${missing.join(", ")}`,
      {
        details: { missing, workspace_root: root },
      },
    );
  }
  const created = !existsSync(staging);
  mkdirSync(staging, { recursive: true });
  const entries: PublishSyncEntry[] = [];
  for (const p of manifest.paths) entries.push(copyPath(root, staging, p, true));
  for (const p of manifest.optionalPaths) {
    if (kindOf(path.join(root, p)) !== null) {
      entries.push(copyPath(root, staging, p, false));
    } else if (kindOf(path.join(staging, p)) !== null) {
      rmSync(path.join(staging, p), { recursive: true, force: true });
      entries.push({ path: p, required: false, action: "removed_optional", source_kind: null });
    } else {
      entries.push({ path: p, required: false, action: "skipped_optional", source_kind: null });
    }
  }
  return {
    selection: {
      workspace_root: root,
      staging_dir: staging,
      manifest_source_kind: manifest.source.kind,
      manifest_ref: manifest.source.ref,
      manifest_version: manifest.version,
      required_paths: [...manifest.paths],
      optional_paths: [...manifest.optionalPaths],
    },
    created,
    entries,
  };
}

/** Copies into a temp sibling first, then swaps it in, so a crash never leaves a half-copied path. */
function copyPath(root: string, staging: string, p: string, required: boolean): PublishSyncEntry {
  const from = path.join(root, p);
  const to = path.join(staging, p);
  const kind = kindOf(from) ?? "file";
  mkdirSync(path.dirname(to), { recursive: true });
  const temp = path.join(path.dirname(to), `.${path.basename(to)}.tmp-${randomBytes(8).toString("hex")}`);
  try {
    cpSync(from, temp, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => path.basename(src) !== ".git",
    });
    rmSync(to, { recursive: true, force: true });
    renameSync(temp, to);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return { path: p, required, action: "copied", source_kind: kind };
}
