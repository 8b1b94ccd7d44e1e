import { readFileSync } from "node:fs";
import { type RuntimeSnapshot, StageResultEnvelopeSchema, type WorkItemKind } from "@millrace/contracts";
import type { UsageGovernance } from "./governance.js";
import type { GovernanceTransition } from "./state/transition.js";
import type { GovernanceVerdict } from "./usage/types.js";

export interface BetweenStagesHookInfo {
  readonly boundary: "before_stage" | "after_stage";
  /** The engine passes its whole snapshot; only the active run and the pause sources are read. */
  readonly snapshot: Pick<RuntimeSnapshot, "active_run_id" | "pause_sources">;
  /** Absolute path of the stage result just persisted (after_stage only). */
  readonly stageResultPath: string | null;
}

export interface BetweenStagesHookOptions {
  /** Lineage root of a work item, for lineage budgets (the queue store knows it). */
  readonly lineageOf?: (kind: WorkItemKind, id: string) => string | null;
  /** Called with each transition (paused, resumed, degraded), once per change. */
  readonly onTransition?: (transition: GovernanceTransition) => void;
}

/**
 * A function with the shape of the engine's `betweenStages` hook: after a stage it counts the
 * persisted result, then (when governance is active) evaluates and returns the verdict. The run a
 * `per_run` rule counts is the result's run after a stage, the snapshot's active run before one.
 */
export function betweenStagesHook(governance: UsageGovernance, options: BetweenStagesHookOptions = {}) {
  return (info: BetweenStagesHookInfo): GovernanceVerdict | undefined => {
    let runId = info.snapshot.active_run_id ?? null;
    const heldByUs = info.snapshot.pause_sources.includes("usage_governance");
    // Counting implies enabled, so this is the evaluation test the hook always made. The result
    // file is read only when it is used (counted, or the run id of an evaluation): with governance
    // off (the default) a handoff no longer re-reads and re-parses the envelope it just wrote.
    const evaluate = governance.countsStageResults || governance.shouldEvaluate(heldByUs);
    if (evaluate && info.boundary === "after_stage" && info.stageResultPath) {
      const envelope = readEnvelope(info.stageResultPath);
      if (envelope) {
        runId = envelope.run_id;
        const kind = envelope.work_item_kind;
        const id = envelope.work_item_id;
        const lineageRootId = kind && id && options.lineageOf ? options.lineageOf(kind, id) : null;
        governance.recordStageResult(envelope, info.stageResultPath, { lineageRootId });
      }
    }
    if (!evaluate) return undefined;
    const evaluation = governance.evaluate({ runId });
    for (const transition of evaluation.transitions) options.onTransition?.(transition);
    if (evaluation.paused === evaluation.verdict.pause) return evaluation.verdict;
    // auto_resume = false holds a pause whose rules have cleared, until governance is disabled.
    return {
      ...evaluation.verdict,
      pause: true,
      reason: "usage governance pause held: auto_resume is false",
    };
  };
}

function readEnvelope(file: string) {
  try {
    const parsed = StageResultEnvelopeSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
