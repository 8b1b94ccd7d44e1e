import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { isSafeId, READ_MODEL_SCHEMA_VERSION, type RunListing, type RunSummary } from "@millrace/contracts";
import { requireInitialized } from "@millrace/workspace";
import { readRunLane } from "../lanes/run-lane.js";
import { displayPath } from "./display-path.js";
import { failureClassOf, type LoadedRun, loadRun, sumTokenUsage } from "./run-files.js";

/**
 * The run listing (`runs ls`): one summary per run folder. Kept apart from `runs show` so the
 * listing loads no compounding, capability or trace code.
 */

/** The one-line-per-run view of a loaded run folder. */
export function summarizeRun(run: LoadedRun): RunSummary {
  const first = run.stages[0]?.envelope;
  const last = run.stages.at(-1)?.envelope;
  const withItem = [...run.stages].reverse().find((stage) => stage.envelope.work_item_id != null)?.envelope;
  const started = first?.started_at ?? null;
  const completed = last?.completed_at ?? null;
  return {
    run_id: run.runId,
    run_dir: displayPath(run.workspaceRoot, run.dir),
    status: run.problems.length > 0 ? "malformed" : run.stages.length === 0 ? "incomplete" : "valid",
    plane: first?.plane ?? null,
    request_kind: first?.metadata.request_kind ?? null,
    work_item_kind: withItem?.work_item_kind ?? null,
    work_item_id: withItem?.work_item_id ?? null,
    mode_id: first?.metadata.mode_id ?? null,
    compiled_plan_id: first?.metadata.compiled_plan_id ?? null,
    stage_count: run.stages.length,
    first_stage: first?.stage ?? null,
    last_stage: last?.stage ?? null,
    last_terminal_result: last?.terminal_result ?? null,
    last_result_class: last?.result_class ?? null,
    failure_class: last ? failureClassOf(last) : null,
    started_at: started,
    completed_at: completed,
    duration_seconds:
      started && completed ? Math.max(0, (Date.parse(completed) - Date.parse(started)) / 1000) : null,
    token_usage: sumTokenUsage(run.stages.map((stage) => stage.envelope.token_usage)),
    problems: [...run.problems],
    lane: readRunLane(run.dir),
  };
}

/** The listing's order: by the start of the first stage; runs without one last, by id. */
export function compareRuns(a: RunSummary, b: RunSummary): number {
  if (a.started_at && b.started_at) {
    const diff = Date.parse(a.started_at) - Date.parse(b.started_at);
    if (diff !== 0) return diff;
  } else if (a.started_at || b.started_at) {
    return a.started_at ? -1 : 1;
  }
  return a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0;
}

/**
 * Every run folder of the workspace (`runs/<run_id>/`), ordered by the start of its first stage;
 * folders without a stage result come last, by name. Folders whose names are not safe ids are skipped.
 */
export function listRuns(workspaceRoot: string): RunListing {
  const paths = requireInitialized(workspaceRoot);
  let names: string[];
  try {
    names = readdirSync(paths.runs);
  } catch {
    names = [];
  }
  const runs: RunSummary[] = [];
  for (const name of names.sort()) {
    if (!isSafeId(name)) continue;
    const dir = path.join(paths.runs, name);
    try {
      if (!statSync(dir).isDirectory()) continue;
    } catch {
      continue;
    }
    runs.push(summarizeRun(loadRun(dir, paths.root)));
  }
  runs.sort(compareRuns);
  return { schema_version: READ_MODEL_SCHEMA_VERSION, kind: "run_listing", workspace: paths.root, runs };
}
