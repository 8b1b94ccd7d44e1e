import path from "node:path";
import {
  type ContextFact,
  ContextFactSchema,
  type ProcedureLifecycleRecord,
  ProcedureLifecycleRecordSchema,
  type ReusableProcedure,
  ReusableProcedureSchema,
} from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import { type CompoundingPaths, compoundingPaths } from "./paths.js";
import {
  foldersIn,
  jsonFilesIn,
  type LoadedFile,
  type Parser,
  readAllTolerant,
  type UnloadableFile,
} from "./read-json.js";

/**
 * Everything in `compounding/` that loaded, plus what did not. Files are read in sorted order, so
 * two loads of the same folder give the same snapshot (selection depends on that).
 */
export interface CompoundingSnapshot {
  readonly paths: CompoundingPaths;
  readonly workspacePaths: WorkspacePaths;
  readonly procedures: readonly LoadedFile<ReusableProcedure>[];
  readonly facts: readonly LoadedFile<ContextFact>[];
  readonly lifecycle: readonly LoadedFile<ProcedureLifecycleRecord>[];
  readonly problems: readonly UnloadableFile[];
}

/** Workspace-scope files sit at the top of a family folder; run-scope ones in `<run_id>/`. */
function familyFiles(dir: string): string[] {
  const files = jsonFilesIn(dir);
  for (const runFolder of foldersIn(dir)) files.push(...jsonFilesIn(path.join(dir, runFolder)));
  return files;
}

/** The store's three record families: where each lives, how it validates, its name in problems. */
export const STORE_FAMILIES = {
  procedures: { schema: ReusableProcedureSchema as Parser<ReusableProcedure>, family: "procedure" },
  facts: { schema: ContextFactSchema as Parser<ContextFact>, family: "context_fact" },
  lifecycle: {
    schema: ProcedureLifecycleRecordSchema as Parser<ProcedureLifecycleRecord>,
    family: "lifecycle",
  },
} as const;

export function loadCompoundingSnapshot(paths: WorkspacePaths): CompoundingSnapshot {
  const store = compoundingPaths(paths);
  const problems: UnloadableFile[] = [];
  const { procedures, facts, lifecycle } = STORE_FAMILIES;
  return {
    paths: store,
    workspacePaths: paths,
    procedures: readAllTolerant(
      familyFiles(store.procedures),
      procedures.schema,
      procedures.family,
      problems,
    ),
    facts: readAllTolerant(familyFiles(store.contextFacts), facts.schema, facts.family, problems),
    lifecycle: readAllTolerant(jsonFilesIn(store.lifecycle), lifecycle.schema, lifecycle.family, problems),
    problems,
  };
}
