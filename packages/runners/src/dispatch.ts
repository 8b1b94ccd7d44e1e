import { existsSync, mkdirSync, renameSync } from "node:fs";
import path from "node:path";
import {
  formatTimestamp,
  type InvocationRecord,
  type MillraceConfig,
  MillraceError,
  type ProcessLimits,
  RUN_ARTIFACT_NAMES,
  type RunArtifactPaths,
  type RunnerCompletionArtifact,
  type RunnerContext,
  type RunnerInvocationArtifact,
  type RunnerRawResult,
  type RunnerRawResultInput,
  RunnerRawResultSchema,
  STAGE_RUN_SCHEMA_VERSION,
  STRUCTURED_RESULT_FILE_NAME,
  type StageResultEnvelope,
  type StageRunRequest,
  type StageRunRequestInput,
  StageRunRequestSchema,
} from "@millrace/contracts";
import { RUNTIME_DIR_NAME, writeFileAtomicSync, writeJsonAtomicSync } from "@millrace/workspace";
import { rawBase } from "./finish/raw-base.js";
import { normalizeStageResult } from "./normalize.js";
import { buildStagePrompt, type PromptContextBlock } from "./prompt.js";
import { type RunnerRegistry, resolveRunnerName } from "./registry.js";
import { redactFiles, secretValues } from "./secrets.js";

/**
 * Per-request diagnostics (prompt, invocation, completion records) are replaced atomically but
 * without fsync: they are evidence, not runtime state, and an fsync per file would cost more than
 * the whole in-process handoff. The stage result itself is written durably.
 */
const EVIDENCE = { durable: false } as const;

export const DEFAULT_PROCESS_LIMITS: ProcessLimits = {
  killGraceMs: 5_000,
  maxStdoutBytes: 256 * 1024 * 1024,
  maxStderrBytes: 16 * 1024 * 1024,
  defaultTimeoutSeconds: 3600,
};

export interface DispatchOptions {
  readonly registry: RunnerRegistry;
  readonly config: MillraceConfig;
  /** The repository root; derived from `run_dir` (`<root>/millrace-agents/runs/<run_id>`) when omitted. */
  readonly workspaceRoot?: string;
  /** Extra titled blocks for the prompt (knowledge compounding). */
  readonly promptContext?: readonly PromptContextBlock[];
  readonly clock?: () => Date;
  /** Base environment for runners (default: `process.env`). Secret-looking values are redacted from output. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
  readonly limits?: Partial<ProcessLimits>;
  /** Write `stage_results/<request_id>.json` (default true). */
  readonly writeStageResult?: boolean;
}

export interface DispatchResult {
  readonly runnerName: string;
  readonly raw: RunnerRawResult;
  readonly envelope: StageResultEnvelope;
  readonly artifacts: RunArtifactPaths;
  /** Absolute path of the persisted envelope, or null when not written. */
  readonly stageResultPath: string | null;
}

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

/** Validates a request; a violation is a `runner_request_invalid` error naming the field. */
export function parseStageRunRequest(input: StageRunRequestInput | unknown): StageRunRequest {
  const result = StageRunRequestSchema.safeParse(input);
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

function workspaceRootOf(runDir: string): string {
  const runs = path.dirname(runDir);
  const runtimeRoot = path.dirname(runs);
  return path.basename(runtimeRoot) === RUNTIME_DIR_NAME ? path.dirname(runtimeRoot) : runtimeRoot;
}

function syntheticFailure(
  request: StageRunRequest,
  runnerName: string,
  startedAt: Date,
  endedAt: Date,
  note: string,
): RunnerRawResult {
  return RunnerRawResultSchema.parse({
    ...rawBase(request, runnerName, { startedAt, endedAt: endedAt < startedAt ? startedAt : endedAt }),
    exit_kind: "runner_error",
    exit_code: 1,
    failure_class: "runner_transport_failure",
    notes: [note],
  } satisfies RunnerRawResultInput);
}

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

/**
 * Runs one stage: resolves the runner, writes the prompt and the invocation record, runs the
 * adapter (an exception becomes a runner_error result, never an escape), picks up the stage's
 * structured result file, redacts secret values from captured output, writes the completion record,
 * normalises, and persists the envelope.
 */
export async function dispatchStage(
  input: StageRunRequestInput | StageRunRequest,
  options: DispatchOptions,
): Promise<DispatchResult> {
  const request = parseStageRunRequest(input);
  const clock = options.clock ?? (() => new Date());
  const runnerName = resolveRunnerName(request.runner_name, options.config.runners.default_runner);
  const adapter = options.registry.require(runnerName);
  const workspaceRoot = path.resolve(options.workspaceRoot ?? workspaceRootOf(request.run_dir));
  const runtimeRoot = path.join(workspaceRoot, RUNTIME_DIR_NAME);
  const artifacts = runArtifactPaths(request.run_dir, request.request_id);
  mkdirSync(request.run_dir, { recursive: true });

  // A structured result left by an earlier stage of this run must not be read as this stage's.
  if (existsSync(artifacts.structuredResult)) {
    renameSync(
      artifacts.structuredResult,
      path.join(request.run_dir, `millrace_result.stale.${request.request_id}.json`),
    );
  }

  const prompt = buildStagePrompt(request, options.promptContext ?? []);
  writeFileAtomicSync(artifacts.prompt, prompt, EVIDENCE);

  let invocation: InvocationRecord | undefined;
  const writeInvocation = (record: InvocationRecord) => {
    invocation = record;
    const artifact: RunnerInvocationArtifact = {
      ...artifactHeader(request),
      kind: "runner_invocation",
      runner_name: runnerName,
      model_name: request.model_name ?? null,
      model_reasoning_effort: request.model_reasoning_effort ?? request.thinking_level ?? null,
      command: [...record.command],
      env_var_names: [...(record.envVarNames ?? [])],
      cwd: record.cwd ?? null,
      prompt_path: artifacts.prompt,
      emitted_at: formatTimestamp(clock()),
    };
    writeJsonAtomicSync(artifacts.invocation, artifact, EVIDENCE);
  };

  const env = options.env ?? process.env;
  const ctx: RunnerContext = {
    config: options.config,
    workspaceRoot,
    runtimeRoot,
    prompt,
    artifacts,
    baseEnv: env,
    clock,
    limits: { ...DEFAULT_PROCESS_LIMITS, ...options.limits },
    ...(options.signal ? { signal: options.signal } : {}),
    recordInvocation: writeInvocation,
  };

  const startedAt = clock();
  let raw: RunnerRawResult;
  try {
    const produced = await adapter.run(request, ctx);
    const parsed = RunnerRawResultSchema.safeParse(produced);
    raw = parsed.success
      ? parsed.data
      : syntheticFailure(
          request,
          runnerName,
          startedAt,
          clock(),
          `runner ${runnerName} returned an invalid raw result: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`,
        );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    raw = syntheticFailure(
      request,
      runnerName,
      startedAt,
      clock(),
      `runner ${runnerName} failed: ${message}`,
    );
  }
  if (!invocation) writeInvocation({ command: [] });

  if (!raw.terminal_result_path && existsSync(artifacts.structuredResult)) {
    const claimed = path.join(request.run_dir, RUN_ARTIFACT_NAMES.structuredResult(request.request_id));
    renameSync(artifacts.structuredResult, claimed);
    raw = { ...raw, terminal_result_path: claimed };
  }

  const secrets = secretValues({
    ...env,
    ...options.config.runners.codex.env,
    ...options.config.runners.claude.env,
    ...options.config.runners.pi.env,
  });
  const redacted = redactFiles(
    [artifacts.stdout, artifacts.stderr, artifacts.events, artifacts.lastMessage],
    secrets,
  );
  if (redacted.length > 0) {
    raw = {
      ...raw,
      notes: [
        ...raw.notes,
        `redacted secret values from ${redacted.map((f) => path.basename(f)).join(", ")}`,
      ],
    };
  }

  const completion: RunnerCompletionArtifact = {
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
    last_message_path: existsSync(artifacts.lastMessage) ? artifacts.lastMessage : null,
    token_usage: raw.token_usage ?? null,
    session_id: raw.session_id ?? null,
    started_at: raw.started_at,
    ended_at: raw.ended_at,
    failure_class: raw.failure_class ?? null,
    notes: raw.notes,
    command: [...(invocation?.command ?? [])],
    emitted_at: formatTimestamp(clock()),
  };
  writeJsonAtomicSync(artifacts.completion, completion, EVIDENCE);

  const envelope = normalizeStageResult(request, raw, { promptPath: artifacts.prompt });
  let stageResultPath: string | null = null;
  if (options.writeStageResult !== false) {
    stageResultPath = path.join(request.run_dir, RUN_ARTIFACT_NAMES.stageResult(request.request_id));
    mkdirSync(path.dirname(stageResultPath), { recursive: true });
    writeJsonAtomicSync(stageResultPath, envelope);
  }
  return { runnerName, raw, envelope, artifacts, stageResultPath };
}
