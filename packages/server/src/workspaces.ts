import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { requireInitialized, type WorkspacePaths } from "@millrace/workspace";

/** One workspace the dashboard serves, addressed in URLs by `id` (never by a path). */
export interface ServedWorkspace {
  readonly id: string;
  /** The folder name, for display. */
  readonly name: string;
  readonly paths: WorkspacePaths;
}

/** A URL-safe id from a folder name: lower-case letters, digits and dashes. */
function slug(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return cleaned === "" ? "workspace" : cleaned;
}

/**
 * The listed workspaces, each checked to be initialized, with unique ids (`repo`, `repo-2`, ...).
 * The same root listed twice is served once.
 */
export function servedWorkspaces(roots: readonly string[]): ServedWorkspace[] {
  if (roots.length === 0) {
    throw new MillraceError("usage_invalid_argument", "no workspace to serve", {
      hint: "Pass --workspace PATH (repeat it for several workspaces).",
    });
  }
  const seen = new Set<string>();
  const ids = new Set<string>();
  const out: ServedWorkspace[] = [];
  for (const root of roots) {
    const paths = requireInitialized(path.resolve(root));
    if (seen.has(paths.root)) continue;
    seen.add(paths.root);
    const base = slug(path.basename(paths.root));
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
    ids.add(id);
    out.push({ id, name: path.basename(paths.root), paths });
  }
  return out;
}
