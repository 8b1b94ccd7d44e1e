import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  type ClosureTargetState,
  ClosureTargetStateSchema,
  formatTimestamp,
  MillraceError,
  type SpecDocument,
} from "@millrace/contracts";
import {
  resolveInside,
  toWorkspaceRelative,
  type WorkspacePaths,
  writeJsonAtomicSync,
} from "@millrace/workspace";

export function targetPath(paths: WorkspacePaths, rootSpecId: string): string {
  return path.join(paths.arbiterTargets, `${rootSpecId}.json`);
}

export function loadTarget(paths: WorkspacePaths, rootSpecId: string): ClosureTargetState | undefined {
  const file = targetPath(paths, rootSpecId);
  if (!existsSync(file)) return undefined;
  return ClosureTargetStateSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}

export function saveTarget(paths: WorkspacePaths, target: ClosureTargetState): void {
  mkdirSync(paths.arbiterTargets, { recursive: true });
  writeJsonAtomicSync(targetPath(paths, target.root_spec_id), ClosureTargetStateSchema.parse(target));
}

/** Every readable target file (unreadable ones are skipped; `doctor` reports them). */
export function listTargets(paths: WorkspacePaths): ClosureTargetState[] {
  let names: string[];
  try {
    names = readdirSync(paths.arbiterTargets);
  } catch {
    return [];
  }
  const out: ClosureTargetState[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith(".json") || name.startsWith(".")) continue;
    try {
      out.push(
        ClosureTargetStateSchema.parse(
          JSON.parse(readFileSync(path.join(paths.arbiterTargets, name), "utf8")),
        ),
      );
    } catch {
      // reported by doctor
    }
  }
  return out;
}

/** The open target, if any; more than one open target is a refused state. */
export function openTarget(paths: WorkspacePaths): ClosureTargetState | undefined {
  const open = listTargets(paths).filter((target) => target.closure_open);
  if (open.length > 1) {
    throw new MillraceError(
      "closure_target_conflict",
      `${open.length} closure targets are open (${open.map((target) => target.root_spec_id).join(", ")}); at most one may be`,
    );
  }
  return open[0];
}

/** The root ids a spec opens a closure lineage under, or undefined when it is not a root spec. */
export function closureRootOf(spec: SpecDocument): { rootSpecId: string; rootIdeaId: string } | undefined {
  const parent = spec.parent_spec_id;
  const isRoot =
    spec.root_spec_id != null
      ? spec.root_spec_id === spec.spec_id
      : (parent == null || parent.toLowerCase() === "none") &&
        ["idea", "manual", "probe"].includes(spec.source_type);
  if (!isRoot) return undefined;
  return { rootSpecId: spec.spec_id, rootIdeaId: spec.root_idea_id ?? spec.source_id ?? spec.spec_id };
}

/**
 * Opens a closure target for a root spec: canonical copies of the seed idea and the root spec go
 * under `arbiter/contracts/`, and the target file records them. When no idea markdown can be found
 * (a spec added by hand), the root spec itself is the seed: the lineage still closes.
 */
export function createTarget(
  paths: WorkspacePaths,
  spec: SpecDocument,
  specFile: string,
  now: Date,
): ClosureTargetState {
  const root = closureRootOf(spec);
  if (!root) throw new MillraceError("closure_target_conflict", `${spec.spec_id} is not a root spec`);
  const candidates: string[] = [];
  for (const reference of spec.references) {
    const resolved = resolveInside(paths.root, reference);
    if (resolved) candidates.push(resolved);
  }
  if (spec.source_id) candidates.push(path.join(paths.ideasInbox, `${spec.source_id}.md`));
  candidates.push(path.join(paths.ideasInbox, `${root.rootIdeaId}.md`));
  const ideaSource = candidates.find((file) => file.endsWith(".md") && existsSync(file)) ?? specFile;
  mkdirSync(paths.arbiterIdeaContracts, { recursive: true });
  mkdirSync(paths.arbiterRootSpecContracts, { recursive: true });
  const ideaCopy = path.join(paths.arbiterIdeaContracts, `${root.rootIdeaId}.md`);
  const specCopy = path.join(paths.arbiterRootSpecContracts, `${root.rootSpecId}.md`);
  copyFileSync(ideaSource, ideaCopy);
  copyFileSync(specFile, specCopy);
  const target: ClosureTargetState = {
    schema_version: "1.0",
    kind: "closure_target_state",
    root_spec_id: root.rootSpecId,
    root_idea_id: root.rootIdeaId,
    root_spec_path: toWorkspaceRelative(paths, specCopy),
    root_idea_path: toWorkspaceRelative(paths, ideaCopy),
    rubric_path: toWorkspaceRelative(paths, path.join(paths.arbiterRubrics, `${root.rootSpecId}.md`)),
    closure_open: true,
    closure_blocked_by_lineage_work: false,
    blocking_work_ids: [],
    opened_at: formatTimestamp(now),
  };
  saveTarget(paths, target);
  return target;
}
