import path from "node:path";
import {
  MillraceError,
  RUN_ARTIFACT_NAMES,
  type RunArtifactPaths,
  STRUCTURED_RESULT_FILE_NAME,
  type StageRunRequest,
  type StageRunRequestInput,
  StageRunRequestSchema,
  safeParseSealed,
} from "@millrace/contracts";
import { RUNTIME_DIR_NAME } from "@millrace/workspace";

export function runArtifactPaths(runDir: string, requestId: string): RunArtifactPaths {
  const at = (name: string) => path.join(runDir, name);
  return {
    runDir,
    prompt: at(RUN_ARTIFACT_NAMES.prompt(requestId)),
    invocation: at(RUN_ARTIFACT_NAMES.invocation(requestId)),
    completion: at(RUN_ARTIFACT_NAMES.completion(requestId)),
    stdout: at(RUN_ARTIFACT_NAMES.stdout(requestId)),
    stderr: at(RUN_ARTIFACT_NAMES.stderr(requestId)),
    events: at(RUN_ARTIFACT_NAMES.events(requestId)),
    lastMessage: at(RUN_ARTIFACT_NAMES.lastMessage(requestId)),
    structuredResult: at(STRUCTURED_RESULT_FILE_NAME),
  };
}

/**
 * Validates a request; a violation is a `runner_request_invalid` error naming the field. A request
 * the engine built (sealed by its own parse, so frozen since it passed) is not validated twice.
 */
export function parseStageRunRequest(input: StageRunRequestInput | unknown): StageRunRequest {
  const result = safeParseSealed(StageRunRequestSchema, input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join(".") : "request";
  throw new MillraceError(
    "runner_request_invalid",
    `invalid stage run request: ${where}: ${issue?.message}`,
    {
      details: { issues: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
    },
  );
}

/** The repository root of a run folder (`<root>/millrace-agents/runs/<run_id>`). */
export function workspaceRootOf(runDir: string): string {
  const runs = path.dirname(runDir);
  const runtimeRoot = path.dirname(runs);
  return path.basename(runtimeRoot) === RUNTIME_DIR_NAME ? path.dirname(runtimeRoot) : runtimeRoot;
}
