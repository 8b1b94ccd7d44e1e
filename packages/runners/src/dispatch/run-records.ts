import {
  formatTimestamp,
  type InvocationRecord,
  type RunnerCompletionArtifact,
  type RunnerInvocationArtifact,
  type RunnerRawResult,
  STAGE_RUN_SCHEMA_VERSION,
  type StageRunRequest,
} from "@millrace/contracts";

/** The request identity both per-request records (invocation and completion) start with. */
function artifactHeader(request: StageRunRequest) {
  return {
    schema_version: STAGE_RUN_SCHEMA_VERSION,
    request_id: request.request_id,
    run_id: request.run_id,
    stage: request.stage,
    request_kind: request.request_kind,
    active_work_item_id: request.active_work_item_id ?? null,
    closure_target_root_spec_id: request.closure_target_root_spec_id ?? null,
  } as const;
}

/** `runner_invocation.<rid>.json`: what is about to run (argv, env var names, cwd). */
export function invocationArtifact(
  request: StageRunRequest,
  runnerName: string,
  record: InvocationRecord,
  promptPath: string,
  now: Date,
): RunnerInvocationArtifact {
  return {
    ...artifactHeader(request),
    kind: "runner_invocation",
    runner_name: runnerName,
    model_name: request.model_name ?? null,
    model_reasoning_effort: request.model_reasoning_effort ?? request.thinking_level ?? null,
    command: [...record.command],
    env_var_names: [...(record.envVarNames ?? [])],
    cwd: record.cwd ?? null,
    prompt_path: promptPath,
    emitted_at: formatTimestamp(now),
  };
}

/** `runner_completion.<rid>.json`: how the run ended and where its output is. */
export function completionArtifact(
  request: StageRunRequest,
  raw: RunnerRawResult,
  invocation: InvocationRecord | undefined,
  lastMessagePath: string | null,
  now: Date,
): RunnerCompletionArtifact {
  return {
    ...artifactHeader(request),
    kind: "runner_completion",
    runner_name: raw.runner_name,
    model_name: raw.model_name ?? null,
    model_reasoning_effort: raw.model_reasoning_effort ?? null,
    exit_kind: raw.exit_kind,
    exit_code: raw.exit_code ?? null,
    observed_exit_kind: raw.observed_exit_kind ?? null,
    observed_exit_code: raw.observed_exit_code ?? null,
    stdout_path: raw.stdout_path ?? null,
    stderr_path: raw.stderr_path ?? null,
    terminal_result_path: raw.terminal_result_path ?? null,
    event_log_path: raw.event_log_path ?? null,
    last_message_path: lastMessagePath,
    token_usage: raw.token_usage ?? null,
    session_id: raw.session_id ?? null,
    started_at: raw.started_at,
    ended_at: raw.ended_at,
    failure_class: raw.failure_class ?? null,
    notes: raw.notes,
    command: [...(invocation?.command ?? [])],
    emitted_at: formatTimestamp(now),
  };
}
