import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  type EnvelopeFailureClass,
  type NormalizationSource,
  type ResultClass,
  type RunnerRawResult,
  STAGE_RUN_SCHEMA_VERSION,
  type StageResultEnvelope,
  type StageRunRequest,
  StructuredResultFileSchema,
} from "@millrace/contracts";
import { describeReadProblem, READ_LIMITS, readRegularFile } from "@millrace/workspace";
import { legalTokens, markerTokens } from "./markers.js";

export interface NormalizeOptions {
  /** The prompt file, recorded as `prompt_artifact`. */
  readonly promptPath?: string | null;
  /** Cap on the structured result file (`[limits] max_result_bytes`); default 4 MiB. */
  readonly maxResultBytes?: number;
}

interface Resolved {
  readonly token: string;
  readonly resultClass: ResultClass;
  readonly source: NormalizationSource;
  readonly summaryArtifacts: string[];
  readonly notes: string[];
  readonly stageMetadata?: Record<string, unknown>;
}

interface Failure {
  readonly failureClass: EnvelopeFailureClass;
  readonly note: string;
  readonly detectedMarker?: string;
}

function isInside(base: string, candidate: string): boolean {
  const rel = path.relative(base, candidate);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

/** Resolves a path a stage reported, relative to the run folder; refuses anything outside it. */
function insideRunDir(runDir: string, reported: string): string | undefined {
  if (reported.includes("\0")) return undefined;
  const resolved = path.resolve(runDir, reported);
  return isInside(runDir, resolved) ? resolved : undefined;
}

function resultClassFor(
  request: StageRunRequest,
  token: string,
  explicit?: ResultClass,
): ResultClass | undefined {
  const allowed = request.allowed_result_classes_by_outcome[token] ?? [];
  if (explicit !== undefined) return allowed.includes(explicit) ? explicit : undefined;
  if (allowed.length === 1) return allowed[0];
  if (token === "BLOCKED" && allowed.includes("blocked")) return "blocked";
  return undefined;
}

/**
 * A runner that could not start its agent (executable gone) or authenticate it is not a failure of
 * the work: the envelope says so precisely, and the engine pauses instead of recovering.
 */
function fromRunnerAvailability(raw: RunnerRawResult): Failure | undefined {
  if (raw.exit_kind === "completed") return undefined;
  if (raw.failure_class === "runner_binary_not_found") {
    return { failureClass: "runner_unavailable", note: "the runner's executable could not be started" };
  }
  if (raw.failure_class === "runner_auth_failure") {
    return { failureClass: "runner_auth_failure", note: "the agent has no usable credentials" };
  }
  return undefined;
}

function fromExitKind(raw: RunnerRawResult): Failure | undefined {
  const availability = fromRunnerAvailability(raw);
  if (availability) return availability;
  switch (raw.exit_kind) {
    case "timeout":
      return { failureClass: "runner_timeout", note: "runner exceeded its wall-clock deadline" };
    case "provider_error":
      return { failureClass: "provider_failure", note: "the model provider reported a failure" };
    case "runner_error":
      return {
        failureClass: "runner_transport_failure",
        note: "the runner failed before producing a result",
      };
    case "interrupted":
      return { failureClass: "runner_transport_failure", note: "the stage was interrupted" };
    default:
      if (raw.exit_code !== null && raw.exit_code !== undefined && raw.exit_code !== 0) {
        return {
          failureClass: "runner_transport_failure",
          note: `runner reported completion with exit code ${raw.exit_code}`,
        };
      }
      return undefined;
  }
}

function readStdoutTokens(raw: RunnerRawResult): { tokens: string[] } | Failure {
  if (!raw.stdout_path || !existsSync(raw.stdout_path)) {
    return {
      failureClass: "missing_terminal_result",
      note: "no stdout artifact to read a terminal marker from",
    };
  }
  try {
    return { tokens: markerTokens(readFileSync(raw.stdout_path, "utf8")) };
  } catch (error) {
    return { failureClass: "runner_transport_failure", note: `stdout artifact unreadable: ${String(error)}` };
  }
}

// Over 80 lines: the result file's checks in the order they apply, each ending in its own failure.
function fromStructuredFile(
  request: StageRunRequest,
  raw: RunnerRawResult,
  file: string,
  maxBytes: number,
): Resolved | Failure {
  // The agent wrote this file: no-follow, non-blocking, capped (a 200 MB result is refused unread).
  const read = readRegularFile(file, { maxBytes });
  if (read.kind === "missing") {
    return { failureClass: "missing_terminal_result", note: `structured result file ${file} is missing` };
  }
  if (read.kind !== "ok") {
    return {
      failureClass: "illegal_terminal_result",
      note: `structured result file refused: it ${describeReadProblem(read)}`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.text);
  } catch (error) {
    return {
      failureClass: "illegal_terminal_result",
      note: `structured result file is not JSON: ${String(error)}`,
    };
  }
  const result = StructuredResultFileSchema.safeParse(parsed);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first?.path.length ? first.path.join(".") : "(root)";
    return {
      failureClass: "illegal_terminal_result",
      note: `structured result file invalid at ${where}: ${first?.message}`,
    };
  }
  const data = result.data;
  const token = data.terminal_result;
  if (data.stage !== undefined && data.stage !== request.stage) {
    return {
      failureClass: "illegal_terminal_result",
      note: `structured result names stage ${data.stage}, not ${request.stage}`,
      detectedMarker: `### ${token}`,
    };
  }
  if (!legalTokens(request).has(token)) {
    return {
      failureClass: "illegal_terminal_result",
      note: `structured result ${token} is not a legal outcome of ${request.stage}`,
      detectedMarker: `### ${token}`,
    };
  }
  const resultClass = resultClassFor(request, token, data.result_class);
  if (resultClass === undefined) {
    return {
      failureClass: "illegal_terminal_result",
      note: `result class ${data.result_class ?? "(none)"} is not allowed for ${token}`,
      detectedMarker: `### ${token}`,
    };
  }
  const summaryArtifacts: string[] = [];
  for (const reported of data.summary_artifact_paths) {
    const resolved = insideRunDir(request.run_dir, reported);
    if (resolved === undefined || !existsSync(resolved)) {
      return {
        failureClass: "missing_required_artifact",
        note: `summary artifact ${reported} is ${resolved === undefined ? "outside the run folder" : "missing"}`,
        detectedMarker: `### ${token}`,
      };
    }
    summaryArtifacts.push(resolved);
  }
  // The marker line stays the baseline contract: when stdout also names a token, it must agree.
  const stdout = raw.stdout_path && existsSync(raw.stdout_path) ? readStdoutTokens(raw) : undefined;
  if (stdout && "tokens" in stdout) {
    const other = stdout.tokens.find((candidate) => candidate !== token);
    if (other !== undefined) {
      return {
        failureClass: "conflicting_terminal_results",
        note: `structured result ${token} disagrees with stdout marker ${other}`,
        detectedMarker: `### ${token}`,
      };
    }
  }
  const notes = typeof data.notes === "string" ? [data.notes] : (data.notes ?? []);
  return {
    token,
    resultClass,
    source: "structured_result_file",
    summaryArtifacts,
    notes: [...notes, "terminal result resolved from the structured result file"],
    stageMetadata: data.metadata,
  };
}

function fromStdout(request: StageRunRequest, raw: RunnerRawResult): Resolved | Failure {
  const read = readStdoutTokens(raw);
  if (!("tokens" in read)) return read;
  const { tokens } = read;
  if (tokens.length === 0) {
    return { failureClass: "missing_terminal_result", note: "no terminal marker line in the runner output" };
  }
  const distinct = [...new Set(tokens)];
  const last = tokens[tokens.length - 1] as string;
  if (distinct.length > 1) {
    return {
      failureClass: "conflicting_terminal_results",
      note: `the output holds ${distinct.length} different markers: ${distinct.join(", ")}`,
      detectedMarker: `### ${last}`,
    };
  }
  if (!legalTokens(request).has(last)) {
    return {
      failureClass: "illegal_terminal_result",
      note: `marker ### ${last} is not legal for ${request.stage}`,
      detectedMarker: `### ${last}`,
    };
  }
  const resultClass = resultClassFor(request, last);
  if (resultClass === undefined) {
    return {
      failureClass: "illegal_terminal_result",
      note: `no single result class for ${last}`,
      detectedMarker: `### ${last}`,
    };
  }
  return {
    token: last,
    resultClass,
    source: "stdout_terminal_token",
    summaryArtifacts: [],
    notes: ["terminal result resolved from the stdout marker line"],
  };
}

function reportArtifact(request: StageRunRequest): string | null {
  for (const candidate of [request.preferred_report_path, request.preferred_troubleshoot_report_path]) {
    if (!candidate) continue;
    const resolved = path.resolve(candidate);
    if (isInside(request.run_dir, resolved) && existsSync(resolved) && statSync(resolved).isFile())
      return resolved;
  }
  return null;
}

// Over 80 lines: the checks in their fixed order, read top to bottom (the first failure wins).
/**
 * Normalisation: a pure function of the request, the raw result and the files in the run folder.
 * Checks run in a fixed order and the first failure wins; every failure becomes the same shape of
 * envelope (BLOCKED / recoverable_failure / retryable) with its failure class in the metadata.
 */
export function normalizeStageResult(
  request: StageRunRequest,
  raw: RunnerRawResult,
  options: NormalizeOptions = {},
): StageResultEnvelope {
  let outcome: Resolved | Failure;
  if (raw.request_id !== request.request_id || raw.run_id !== request.run_id || raw.stage !== request.stage) {
    outcome = {
      failureClass: "runner_transport_failure",
      note: "the raw result names a different request, run or stage than the request",
    };
  } else {
    outcome =
      fromExitKind(raw) ??
      (raw.terminal_result_path
        ? fromStructuredFile(
            request,
            raw,
            raw.terminal_result_path,
            options.maxResultBytes ?? READ_LIMITS.result,
          )
        : fromStdout(request, raw));
  }

  const closure = request.request_kind === "closure_target";
  const workItemKind = closure ? "spec" : (request.active_work_item_kind ?? null);
  const workItemId = closure
    ? (request.closure_target_root_spec_id ?? null)
    : (request.active_work_item_id ?? null);
  const reconciled = raw.observed_exit_kind === "timeout" && raw.exit_kind === "completed";
  const effort =
    raw.model_reasoning_effort ?? request.model_reasoning_effort ?? request.thinking_level ?? null;
  const thinking = raw.thinking_level ?? request.thinking_level ?? null;
  const started = Date.parse(raw.started_at);
  const ended = Date.parse(raw.ended_at);
  const failure: Failure | undefined = "failureClass" in outcome ? outcome : undefined;
  const resolved: Resolved | undefined = "failureClass" in outcome ? undefined : outcome;

  const notes = [...raw.notes];
  if (failure) notes.push(`${failure.failureClass}: ${failure.note}`);
  if (resolved) notes.push(...resolved.notes);
  if (reconciled)
    notes.push("the runner timed out after printing its final legal marker; the timeout was reconciled");

  const report = resolved ? reportArtifact(request) : null;
  const artifactPaths = resolved
    ? [
        ...new Set([
          ...resolved.summaryArtifacts,
          ...(report ? [report] : []),
          ...(raw.event_log_path ? [raw.event_log_path] : []),
        ]),
      ]
    : [];
  const token = resolved ? resolved.token : "BLOCKED";
  const resultClass: ResultClass = resolved ? resolved.resultClass : "recoverable_failure";
  const failed = failure !== undefined;

  return {
    schema_version: STAGE_RUN_SCHEMA_VERSION,
    kind: "stage_result",
    run_id: request.run_id,
    plane: request.plane,
    stage: request.stage,
    node_id: request.node_id,
    stage_kind_id: request.stage_kind_id,
    work_item_kind: workItemKind,
    work_item_id: workItemId,
    terminal_result: token,
    result_class: resultClass,
    summary_status_marker: `### ${token}`,
    success: resultClass === "success",
    retryable: failed,
    exit_code: failed ? raw.exit_code || 1 : (raw.exit_code ?? 0),
    duration_seconds: Math.max(0, (ended - started) / 1000),
    prompt_artifact: options.promptPath ?? null,
    report_artifact: report,
    artifact_paths: artifactPaths,
    detected_marker: resolved ? `### ${resolved.token}` : (failure?.detectedMarker ?? null),
    stdout_path: raw.stdout_path ?? null,
    stderr_path: raw.stderr_path ?? null,
    runner_name: raw.runner_name,
    model_name: raw.model_name ?? request.model_name ?? null,
    model_reasoning_effort: effort,
    thinking_level: thinking,
    token_usage: raw.token_usage ?? null,
    notes,
    metadata: {
      request_id: request.request_id,
      request_kind: request.request_kind,
      mode_id: request.mode_id,
      compiled_plan_id: request.compiled_plan_id,
      closure_target_root_spec_id: request.closure_target_root_spec_id ?? null,
      closure_target_root_idea_id: request.closure_target_root_idea_id ?? null,
      preferred_rubric_path: request.preferred_rubric_path ?? null,
      preferred_verdict_path: request.preferred_verdict_path ?? null,
      preferred_report_path: request.preferred_report_path ?? null,
      skill_revision_evidence_path: request.skill_revision_evidence_path ?? null,
      model_reasoning_effort: effort,
      thinking_level: thinking,
      normalization_source: resolved ? resolved.source : "failure",
      failure_class: failure ? failure.failureClass : null,
      valid_terminal_result: !failed,
      raw_exit_kind: raw.exit_kind,
      raw_exit_code: raw.exit_code ?? null,
      timeout_reconciled: reconciled,
      runner_failure_class: raw.failure_class ?? null,
      session_id: raw.session_id ?? null,
      ...(resolved?.stageMetadata === undefined ? {} : { stage_metadata: resolved.stageMetadata }),
    },
    started_at: raw.started_at,
    completed_at: raw.ended_at,
  };
}
