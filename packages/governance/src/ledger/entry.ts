import {
  formatTimestamp,
  type ModelPrice,
  type StageResultEnvelope,
  type UsageLedgerEntry,
  UsageLedgerEntrySchema,
} from "@millrace/contracts";
import { toWorkspaceRelative, type WorkspacePaths } from "@millrace/workspace";
import { costOfUsage } from "./cost.js";

export interface LedgerEntryContext {
  readonly paths: WorkspacePaths;
  /** Absolute path of `runs/<run_id>/stage_results/<request_id>.json`. */
  readonly resultPath: string;
  readonly countedAt: Date;
  readonly daemonSessionId: string | null;
  readonly lineageRootId?: string | null;
  readonly prices: Readonly<Record<string, ModelPrice>>;
}

/** The ledger entry for a stage result, or undefined when the result carries no token usage. */
export function ledgerEntryFor(
  envelope: StageResultEnvelope,
  context: LedgerEntryContext,
): UsageLedgerEntry | undefined {
  const usage = envelope.token_usage;
  if (!usage) return undefined;
  const key = toWorkspaceRelative(context.paths, context.resultPath);
  const cost = costOfUsage(usage, envelope.model_name, context.prices);
  return UsageLedgerEntrySchema.parse({
    dedupe_key: key,
    counted_at: formatTimestamp(context.countedAt),
    stage_completed_at: envelope.completed_at,
    plane: envelope.plane,
    run_id: envelope.run_id,
    stage_id: envelope.stage_kind_id || envelope.stage,
    stage_kind_id: envelope.stage_kind_id,
    work_item_kind: envelope.work_item_kind,
    work_item_id: envelope.work_item_id,
    lineage_root_id: context.lineageRootId ?? null,
    token_usage: usage,
    stage_result_path: key,
    daemon_session_id: context.daemonSessionId,
    runner_name: envelope.runner_name ?? null,
    model_name: envelope.model_name ?? null,
    cost_usd: cost.cost_usd,
    cost_source: cost.cost_source,
  });
}
