import { existsSync, renameSync } from "node:fs";
import path from "node:path";
import {
  RUN_ARTIFACT_NAMES,
  type RunArtifactPaths,
  type RunnerRawResult,
  type StageRunRequest,
} from "@millrace/contracts";
import type { SecretValues } from "../secrets/collect.js";
import { redactText } from "../secrets/redact.js";
import { redactFiles } from "../secrets/redact-files.js";

/** A structured result left by an earlier stage of this run must not be read as this stage's. */
export function setAsideStaleResult(request: StageRunRequest, artifacts: RunArtifactPaths): void {
  if (existsSync(artifacts.structuredResult)) {
    renameSync(
      artifacts.structuredResult,
      path.join(request.run_dir, `millrace_result.stale.${request.request_id}.json`),
    );
  }
}

/**
 * After the run: claims the structured result file the stage wrote (renamed per request), and
 * redacts secret values (the base environment's and every runner's env table) from captured output.
 */
export function collectOutput(
  request: StageRunRequest,
  raw: RunnerRawResult,
  artifacts: RunArtifactPaths,
  secrets: SecretValues,
): RunnerRawResult {
  let collected = raw;
  if (!collected.terminal_result_path && existsSync(artifacts.structuredResult)) {
    const claimed = path.join(request.run_dir, RUN_ARTIFACT_NAMES.structuredResult(request.request_id));
    renameSync(artifacts.structuredResult, claimed);
    collected = { ...collected, terminal_result_path: claimed };
  }
  const redacted = redactFiles(
    [artifacts.stdout, artifacts.stderr, artifacts.events, artifacts.lastMessage],
    secrets,
  );
  // Notes may quote the agent's output (a provider error, the last stderr line).
  collected = { ...collected, notes: collected.notes.map((note) => redactText(note, secrets)) };
  if (redacted.length > 0) {
    collected = {
      ...collected,
      notes: [
        ...collected.notes,
        `redacted secret values from ${redacted.map((f) => path.basename(f)).join(", ")}`,
      ],
    };
  }
  return collected;
}
