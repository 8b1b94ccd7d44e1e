import path from "node:path";
import { readSelectionArtifacts, SELECTION_ARTIFACT_FOLDER } from "@millrace/compounding/read-models";
import type { RunDetail } from "@millrace/contracts";
import { displayPath } from "./display-path.js";
import type { LoadedRun } from "./run-files.js";

/**
 * What governed compounding gave each stage of a run, in stage order (records of stages without a
 * stage result last, by request id); unreadable records are listed as problems.
 */
export function runCompounding(run: LoadedRun): RunDetail["compounding"] {
  const { selections, problems } = readSelectionArtifacts(run.dir);
  const order = new Map(run.stages.map((stage, index) => [stage.requestId, index]));
  const rank = (id: string) => order.get(id) ?? Number.MAX_SAFE_INTEGER;
  const folder = path.join(run.dir, SELECTION_ARTIFACT_FOLDER);
  return {
    selections: selections
      .sort((a, b) => rank(a.request_id) - rank(b.request_id) || (a.request_id < b.request_id ? -1 : 1))
      .map(({ request_id, selection }) => ({
        request_id,
        path: displayPath(run.workspaceRoot, path.join(folder, `${request_id}.json`)),
        selection,
      })),
    problems: problems.map((problem) => {
      const shown = displayPath(run.workspaceRoot, problem.file);
      return { path: shown, error: `${shown} ${problem.reason}` };
    }),
  };
}
