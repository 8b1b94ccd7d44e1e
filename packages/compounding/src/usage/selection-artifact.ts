import { mkdirSync } from "node:fs";
import path from "node:path";
import { type CompoundingSelection, CompoundingSelectionSchema } from "@millrace/contracts";
import { writeJsonAtomicSync } from "@millrace/workspace";
import { requireSafeId } from "../store/ids.js";
import { jsonFilesIn, readTolerant, type UnloadableFile } from "../store/read-json.js";

/** The folder of a run directory that holds each stage's injected bundle. */
export const SELECTION_ARTIFACT_FOLDER = "compounding_selection";

/**
 * Stores a stage's selection record with the run's artifacts:
 * `<run dir>/compounding_selection/<request_id>.json`. Returns the path.
 */
export function writeSelectionArtifact(
  runDirectory: string,
  requestId: string,
  selection: CompoundingSelection,
): string {
  const folder = path.join(runDirectory, SELECTION_ARTIFACT_FOLDER);
  const file = path.join(folder, `${requireSafeId(requestId, "request id")}.json`);
  mkdirSync(folder, { recursive: true });
  writeJsonAtomicSync(file, CompoundingSelectionSchema.parse(selection));
  return file;
}

/** A run's selection records by request id (for `runs show`); unreadable files are reported, not thrown. */
export function readSelectionArtifacts(runDirectory: string): {
  selections: { request_id: string; selection: CompoundingSelection }[];
  problems: UnloadableFile[];
} {
  const problems: UnloadableFile[] = [];
  const selections: { request_id: string; selection: CompoundingSelection }[] = [];
  for (const file of jsonFilesIn(path.join(runDirectory, SELECTION_ARTIFACT_FOLDER))) {
    const read = readTolerant(file, CompoundingSelectionSchema, "selection");
    if (read.ok) selections.push({ request_id: path.basename(file, ".json"), selection: read.value });
    else problems.push(read.problem);
  }
  return { selections, problems };
}
