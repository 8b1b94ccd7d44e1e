import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import {
  type InvocationRecord,
  type MillraceConfig,
  type ProcessLimits,
  RUN_ARTIFACT_NAMES,
  type RunArtifactPaths,
  type RunnerContext,
  type RunnerRawResult,
  type StageResultEnvelope,
  type StageRunRequest,
  type StageRunRequestInput,
} from "@millrace/contracts";
import { RUNTIME_DIR_NAME, writeFileAtomicSync, writeJsonAtomicSync } from "@millrace/workspace";
import {
  advisoryNotes,
  capabilityEnforcementOf,
  capabilityEnforcementRecord,
} from "../capabilities/applied-grants.js";
import { normalizeStageResult } from "../normalize.js";
import { buildStagePrompt, type PromptContextBlock } from "../prompt.js";
import { type RunnerRegistry, resolveRunnerName } from "../registry.js";
import { stageSecrets } from "../secrets/collect.js";
import { redactJson, redactText } from "../secrets/redact.js";
import { collectOutput, setAsideStaleResult } from "./collect-output.js";
import { parseStageRunRequest, runArtifactPaths, workspaceRootOf } from "./request.js";
import { runAdapter } from "./run-adapter.js";
import { completionArtifact, invocationArtifact } from "./run-records.js";

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
  /**
   * Where the agent works (its cwd and the scripted runner's `workspace` base), when not the
   * workspace root: a lane's git worktree. The runtime folder stays the workspace's.
   */
  readonly workingDirectory?: string;
  /** Extra titled blocks for the prompt (knowledge compounding). */
  readonly promptContext?: readonly PromptContextBlock[];
  readonly clock?: () => Date;
  /** Base environment for runners (default: `process.env`). Secret-looking values are redacted from output. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
  readonly limits?: Partial<ProcessLimits>;
  /** Write `stage_results/<request_id>.json` (default true). */
  readonly writeStageResult?: boolean;
  /**
   * Fsync the stage result (default true). The engine passes false: its commit journal holds the
   * envelope durably and rebuilds the file from it after a crash.
   */
  readonly durableStageResult?: boolean;
  /**
   * Called once, right after the adapter's `run()` has returned its promise: its synchronous part
   * is done, which for the process runners (codex, claude, pi, the scripted subprocess) means the
   * agent process has been spawned. Not called when the dispatch fails before the adapter runs.
   */
  readonly onRunnerStarted?: () => void;
}

export interface DispatchResult {
  readonly runnerName: string;
  readonly raw: RunnerRawResult;
  readonly envelope: StageResultEnvelope;
  readonly artifacts: RunArtifactPaths;
  /** Absolute path of the persisted envelope, or null when not written. */
  readonly stageResultPath: string | null;
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
  const artifacts = runArtifactPaths(request.run_dir, request.request_id);
  mkdirSync(request.run_dir, { recursive: true });
  setAsideStaleResult(request, artifacts);

  const env = options.env ?? process.env;
  const secrets = stageSecrets(env, options.config);
  const prompt = buildStagePrompt(request, options.promptContext ?? []);
  // The agent gets the prompt as built; the artifact never holds a secret value.
  writeFileAtomicSync(artifacts.prompt, redactText(prompt, secrets), EVIDENCE);

  let invocation: InvocationRecord | undefined;
  const writeInvocation = (record: InvocationRecord) => {
    invocation = { ...record, command: redactJson([...record.command], secrets) };
    const artifact = invocationArtifact(request, runnerName, invocation, artifacts.prompt, clock());
    writeJsonAtomicSync(artifacts.invocation, artifact, EVIDENCE);
  };

  const ctx: RunnerContext = {
    config: options.config,
    workspaceRoot: options.workingDirectory ? path.resolve(options.workingDirectory) : workspaceRoot,
    runtimeRoot: path.join(workspaceRoot, RUNTIME_DIR_NAME),
    prompt,
    artifacts,
    baseEnv: env,
    secrets,
    clock,
    limits: { ...DEFAULT_PROCESS_LIMITS, ...options.limits },
    ...(options.signal ? { signal: options.signal } : {}),
    recordInvocation: writeInvocation,
  };

  // The grants and the flags they become are on record before the agent starts.
  const grants = request.capability_grants;
  const capabilityRecord =
    grants != null
      ? capabilityEnforcementRecord(
          request,
          runnerName,
          grants,
          capabilityEnforcementOf(adapter, grants, options.config, env),
          clock(),
        )
      : null;
  if (capabilityRecord) {
    const file = path.join(request.run_dir, RUN_ARTIFACT_NAMES.capabilityEnforcement(request.request_id));
    writeJsonAtomicSync(file, capabilityRecord, EVIDENCE);
  }

  const running = runAdapter(adapter, runnerName, request, ctx);
  options.onRunnerStarted?.();
  const produced = await running;
  if (!invocation) writeInvocation({ command: [] });
  const collected = collectOutput(request, produced, artifacts, secrets);
  const raw = capabilityRecord
    ? { ...collected, notes: [...collected.notes, ...advisoryNotes(capabilityRecord)] }
    : collected;

  const lastMessage = existsSync(artifacts.lastMessage) ? artifacts.lastMessage : null;
  const completion = completionArtifact(request, raw, invocation, lastMessage, clock());
  writeJsonAtomicSync(artifacts.completion, completion, EVIDENCE);

  const envelope = normalizeStageResult(request, raw, {
    promptPath: artifacts.prompt,
    maxResultBytes: options.config.limits.max_result_bytes,
  });
  let stageResultPath: string | null = null;
  if (options.writeStageResult !== false) {
    stageResultPath = path.join(request.run_dir, RUN_ARTIFACT_NAMES.stageResult(request.request_id));
    mkdirSync(path.dirname(stageResultPath), { recursive: true });
    writeJsonAtomicSync(stageResultPath, envelope, { durable: options.durableStageResult !== false });
  }
  return { runnerName, raw, envelope, artifacts, stageResultPath };
}
