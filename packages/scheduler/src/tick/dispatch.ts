import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  formatTimestamp,
  type RunnerRawResult,
  type StageResultEnvelope,
  type StageRunRequest,
} from "@millrace/contracts";
import { dispatchStage, normalizeStageResult } from "@millrace/runners";
import { writeJsonAtomicSync } from "@millrace/workspace";
import { promptContextFor } from "../compounding-port/prompt-context.js";
import type { EngineContext } from "../state/context.js";
import { traceAdd, traced } from "../state/handoff-trace.js";

export interface DispatchedStage {
  envelope: StageResultEnvelope;
  /** Absolute path of the stage result file. */
  path: string;
}

/**
 * Runs one stage through the runner registry, with the prompt-context blocks (compounding's, then the port's). A dispatcher
 * failure (an unknown runner, say) becomes the stage's result as a transport failure, so the stage
 * is routed like any other failed stage.
 */
export async function dispatchRequest(
  ctx: EngineContext,
  request: StageRunRequest,
  signal: AbortSignal,
  /** A lane's worktree: the agent's working directory instead of the workspace root. */
  workingDirectory?: string,
  /** Called once the runner has been started (for a process runner: its agent spawned). */
  onRunnerStarted?: () => void,
): Promise<DispatchedStage> {
  const promptContext = await traced("dispatch.prompt-context", () => promptContextFor(ctx, request));
  const stageResultPath = path.join(request.run_dir, "stage_results", `${request.request_id}.json`);
  try {
    const result = await traced("dispatch.stage (incl. runner)", () =>
      dispatchStage(request, {
        registry: ctx.registry,
        config: ctx.config,
        workspaceRoot: ctx.paths.root,
        ...(workingDirectory ? { workingDirectory } : {}),
        promptContext,
        clock: ctx.clock,
        env: ctx.env,
        signal,
        // The apply step's journal record holds the envelope durably (state/commit-journal.ts).
        durableStageResult: !ctx.journal,
        ...(onRunnerStarted ? { onRunnerStarted } : {}),
      }),
    );
    traceAdd("dispatch.runner own time", result.envelope.duration_seconds * 1000);
    return { envelope: result.envelope, path: result.stageResultPath ?? stageResultPath };
  } catch (error) {
    return syntheticResult(ctx, request, "runner_error", `dispatch failed: ${(error as Error).message}`);
  }
}

/**
 * A result for a stage the runner never finished: a dispatcher failure (`runner_error`), or a stage
 * the liveness check stopped before it started (`interrupted`). Persisted like any stage result.
 */
export function syntheticResult(
  ctx: EngineContext,
  request: StageRunRequest,
  exitKind: "runner_error" | "interrupted",
  note: string,
): DispatchedStage {
  const stageResultPath = path.join(request.run_dir, "stage_results", `${request.request_id}.json`);
  const now = formatTimestamp(ctx.clock());
  const raw: RunnerRawResult = {
    request_id: request.request_id,
    run_id: request.run_id,
    stage: request.stage,
    runner_name: request.runner_name ?? "unknown",
    exit_kind: exitKind,
    exit_code: exitKind === "runner_error" ? 1 : null,
    notes: [note],
    started_at: now,
    ended_at: now,
  };
  const envelope = normalizeStageResult(request, raw);
  mkdirSync(path.dirname(stageResultPath), { recursive: true });
  writeJsonAtomicSync(stageResultPath, envelope, { durable: !ctx.journal });
  return { envelope, path: stageResultPath };
}
