import { existsSync } from "node:fs";
import path from "node:path";
import {
  compoundingPaths,
  extractLearningFact,
  extractRunCandidate,
  flushMilestoneFor,
  flushRunCandidates,
  recordInjectionOutcome,
  recordLearningFact,
  recordRunCandidate,
  SELECTION_ARTIFACT_FOLDER,
  type StageCompletionInput,
  yieldsCandidate,
  yieldsLearningFact,
} from "@millrace/compounding";
import { RUN_ARTIFACT_NAMES } from "@millrace/contracts";
import { readRegularFile, toWorkspaceRelative } from "@millrace/workspace";
import type { StageCompletion } from "../apply/stage-completion.js";
import { loadRun } from "../read-models/run-files.js";
import { type EngineContext, recordEvent } from "../state/context.js";
import { compoundingStore, stepWrites } from "./store-cache.js";

type Step = "extraction" | "flush" | "outcome";

/** Runs one bookkeeping step; a failure is logged and never reaches the stage's routing. */
function guarded(ctx: EngineContext, completion: StageCompletion, step: Step, body: () => void): void {
  try {
    body();
  } catch (error) {
    recordEvent(ctx, "compounding_update_failed", {
      run_id: completion.run.run_id,
      request_id: completion.request.request_id,
      stage: completion.run.stage,
      step,
      error: (error as Error).message,
    });
  }
}

function readText(file: string | null | undefined, maxBytes: number): string | null {
  if (!file) return null;
  const read = readRegularFile(file, { maxBytes });
  return read.kind === "ok" ? read.text : null;
}

/** What the extraction reads of a finished stage: its last message, stdout and stderr, its evidence. */
function completionInput(ctx: EngineContext, completion: StageCompletion): StageCompletionInput {
  const { run, envelope, request } = completion;
  const resultCap = ctx.config.limits.max_result_bytes;
  const evidence = [completion.stageResultPath, envelope.report_artifact]
    .filter((file): file is string => typeof file === "string" && file !== "")
    .map((file) => toWorkspaceRelative(ctx.paths, path.resolve(ctx.paths.root, file)));
  return {
    runId: run.run_id,
    requestId: request.request_id,
    stage: run.stage,
    nodeId: run.node_id,
    terminalResult: envelope.terminal_result,
    finalMessage: readText(
      path.join(request.run_dir, RUN_ARTIFACT_NAMES.lastMessage(request.request_id)),
      resultCap,
    ),
    stdout: readText(envelope.stdout_path, resultCap),
    stderr: readText(envelope.stderr_path, resultCap),
    completedAt: envelope.completed_at,
    evidenceRefs: evidence,
  };
}

/** 1 + the earlier results of the same stage in this run: a stage retried on its work item counts up. */
function attemptOf(completion: StageCompletion): number {
  const started = Date.parse(completion.envelope.started_at);
  const earlier = loadRun(completion.request.run_dir).stages.filter(
    (stage) =>
      stage.envelope.stage === completion.run.stage &&
      stage.requestId !== completion.request.request_id &&
      Date.parse(stage.envelope.started_at) < started,
  );
  return earlier.length + 1;
}

/**
 * Governed compounding after a stage result is applied (before its step commits, so a replay after
 * a crash repeats it; every write here is idempotent): the outcome of a stage that received
 * knowledge is credited to what it received; a successful stage leaves a run-scoped procedure
 * candidate, a learning stage a context-fact candidate; a closing checkpoint flushes the run's
 * candidates to workspace scope, where they wait for an operator's promote.
 */
export function recordCompoundingAfterStage(ctx: EngineContext, completion: StageCompletion): void {
  const { run, envelope, request } = completion;
  // Only a stage that was offered knowledge has an outcome to credit (and its run is read only then).
  const offered = existsSync(
    path.join(request.run_dir, SELECTION_ARTIFACT_FOLDER, `${request.request_id}.json`),
  );
  guarded(ctx, completion, "outcome", () => {
    if (!offered) return;
    // Flushed on its own: it rewrites the usage file the injection wrote, and journal recovery only
    // rebuilds a file that is missing or torn, never an older whole one.
    recordInjectionOutcome(ctx.paths, {
      runId: run.run_id,
      requestId: request.request_id,
      terminalResult: envelope.terminal_result,
      success: envelope.success,
      attempt: attemptOf(completion),
      now: ctx.clock(),
    });
  });
  if (
    yieldsCandidate(run.stage, envelope.terminal_result) ||
    yieldsLearningFact(run.stage, envelope.terminal_result)
  ) {
    guarded(ctx, completion, "extraction", () => extractAndRecord(ctx, completion));
  }
  const milestone = flushMilestoneFor(run.stage, envelope.terminal_result);
  // A run without candidates has nothing to flush.
  if (milestone && existsSync(path.join(compoundingPaths(ctx.paths).procedures, run.run_id))) {
    guarded(ctx, completion, "flush", () => {
      const result = flushRunCandidates(ctx.paths, {
        runId: run.run_id,
        milestone,
        now: ctx.clock(),
        store: compoundingStore(ctx).get({ runId: run.run_id }),
        writes: stepWrites(ctx),
      });
      if (result.flushed.length > 0) {
        recordEvent(ctx, "compounding_candidates_flushed", {
          run_id: run.run_id,
          milestone,
          flushed: [...result.flushed],
        });
      }
    });
  }
}

function extractAndRecord(ctx: EngineContext, completion: StageCompletion): void {
  const input = completionInput(ctx, completion);
  const ids = { run_id: input.runId, request_id: input.requestId, stage: input.stage };
  const candidate = extractRunCandidate(input);
  if (candidate) {
    const file = recordRunCandidate(ctx.paths, candidate, stepWrites(ctx));
    recordEvent(ctx, "compounding_candidate_recorded", {
      ...ids,
      procedure_id: candidate.procedure.procedure_id,
      path: file,
    });
  }
  const fact = extractLearningFact(input);
  if (fact) {
    const stored = recordLearningFact(ctx.paths, fact, stepWrites(ctx));
    if (stored.written)
      recordEvent(ctx, "compounding_fact_recorded", { ...ids, fact_id: fact.fact_id, path: stored.path });
  }
}
