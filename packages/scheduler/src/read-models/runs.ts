import { READ_MODEL_SCHEMA_VERSION, type RunDetail, type RunStage } from "@millrace/contracts";
import { requireInitialized } from "@millrace/workspace";
import { displayPath } from "./display-path.js";
import { capabilityBlocks, stageCapabilities } from "./run-capabilities.js";
import { runCompounding } from "./run-compounding.js";
import {
  failureClassOf,
  type LoadedRun,
  type LoadedStage,
  loadRun,
  metadataString,
  runFolderFiles,
} from "./run-files.js";
import { resolveRunDir } from "./run-id.js";
import { summarizeRun } from "./run-summary.js";

/** A path from an envelope, shown workspace-relative; null when absent. */
function shownPath(run: LoadedRun, file: string | null | undefined): string | null {
  return file ? displayPath(run.workspaceRoot, file) : null;
}

function stageView(run: LoadedRun, stage: LoadedStage): RunStage {
  const envelope = stage.envelope;
  const named = new Set(
    [envelope.prompt_artifact, envelope.stdout_path, envelope.stderr_path, envelope.report_artifact].filter(
      (value): value is string => typeof value === "string",
    ),
  );
  return {
    request_id: metadataString(envelope, "request_id") ?? stage.requestId,
    plane: envelope.plane,
    stage: envelope.stage,
    node_id: envelope.node_id,
    stage_kind_id: envelope.stage_kind_id,
    request_kind: envelope.metadata.request_kind,
    work_item_kind: envelope.work_item_kind,
    work_item_id: envelope.work_item_id,
    terminal_result: envelope.terminal_result,
    result_class: envelope.result_class,
    failure_class: failureClassOf(envelope),
    exit_code: envelope.exit_code,
    runner_name: envelope.runner_name ?? null,
    model_name: envelope.model_name ?? null,
    model_reasoning_effort: envelope.model_reasoning_effort ?? null,
    thinking_level: envelope.thinking_level ?? metadataString(envelope, "thinking_level"),
    started_at: envelope.started_at,
    completed_at: envelope.completed_at,
    duration_seconds: envelope.duration_seconds,
    token_usage: envelope.token_usage ?? null,
    notes: [...envelope.notes],
    artifacts: {
      stage_result: displayPath(run.workspaceRoot, stage.file),
      prompt: shownPath(run, envelope.prompt_artifact),
      stdout: shownPath(run, envelope.stdout_path),
      stderr: shownPath(run, envelope.stderr_path),
      report: shownPath(run, envelope.report_artifact),
      other: envelope.artifact_paths
        .filter((file) => !named.has(file))
        .map((file) => displayPath(run.workspaceRoot, file)),
    },
    capabilities: stageCapabilities(run.dir, stage.requestId),
  };
}

/** One run: its summary, a block per stage (in time order) and the other files of its folder. */
export function showRun(workspaceRoot: string, runId: string): RunDetail {
  const paths = requireInitialized(workspaceRoot);
  const dir = resolveRunDir(paths, runId);
  const run = loadRun(dir, paths.root);
  return {
    schema_version: READ_MODEL_SCHEMA_VERSION,
    kind: "run_detail",
    run: summarizeRun(run),
    stages: run.stages.map((stage) => stageView(run, stage)),
    capability_blocks: capabilityBlocks(run.dir),
    files: runFolderFiles(run),
    compounding: runCompounding(run),
  };
}
