import { formatTimestamp, MillraceError, type ParkedWorkItem } from "@millrace/contracts";
import type { UsageGovernance } from "../governance.js";
import type { ParkedItems } from "./parked.js";

export interface ReleaseInput {
  readonly workItemId: string;
  /** Added to each budget the item is over, in that budget's metric. */
  readonly addBudget?: number;
  readonly issuer: string;
  readonly reason?: string;
  readonly now: Date;
}

export interface ReleaseOutcome {
  readonly item: ParkedWorkItem;
  readonly addedBudget: number | null;
}

/**
 * Releases a parked item: with `addBudget`, every budget it is over grows by that amount (one
 * `add_budget` release each, recorded with the issuer); without it, the item must already be back
 * under its budgets (the config was raised). Checks everything before writing anything, so a
 * refused release leaves the files as they were.
 */
export function releaseParkedItem(
  usage: UsageGovernance,
  parked: ParkedItems,
  input: ReleaseInput,
): ReleaseOutcome {
  const item = parked.get(input.workItemId);
  if (!item || item.released_at !== null) {
    throw new MillraceError(
      "queue_state_conflict",
      item
        ? `${input.workItemId} was already released by ${item.released_by ?? "someone"} at ${item.released_at}`
        : `${input.workItemId} is not parked`,
      { hint: "`millrace usage` and `millrace status` list the parked work items." },
    );
  }
  const amount = input.addBudget;
  if (amount !== undefined && !(Number.isFinite(amount) && amount > 0)) {
    throw new MillraceError(
      "budget_release_invalid",
      `--add-budget must be a number above 0, not ${amount}`,
      {
        hint: "Give the amount in the budget's own metric, e.g. --add-budget 50000 for total_tokens.",
      },
    );
  }
  const subject = {
    workItemId: item.work_item_id,
    lineageRootId: item.breaches.find((breach) => breach.scope === "lineage")?.key ?? null,
    stageKindId: item.resume?.stage_kind_id ?? null,
  };
  const current = usage.checkBudget(subject);
  if (current.park) {
    const short = current.breaches.filter(
      (breach) => amount === undefined || breach.spent - breach.limit >= amount,
    );
    if (short.length > 0) {
      const [first] = short;
      const needed = Math.floor((first?.spent ?? 0) - (first?.limit ?? 0)) + 1;
      throw new MillraceError(
        "budget_release_invalid",
        `${item.work_item_id} would still be over budget: ${current.reason?.replace(/^over budget: /, "")}`,
        {
          hint: `Pass --add-budget ${needed} or more (in ${first?.metric}), or raise ${first?.config_key} in millrace.toml.`,
        },
      );
    }
    for (const breach of current.breaches) {
      usage.addBudget({
        scope: breach.scope,
        key: breach.key,
        stageKindId: breach.stage_kind_id,
        metric: breach.metric,
        amount: amount as number,
        issuer: input.issuer,
        reason: input.reason ?? `release of parked ${item.work_item_id}`,
      });
    }
  }
  parked.markReleased(item.work_item_id, input.issuer, formatTimestamp(input.now));
  return { item, addedBudget: current.park ? (amount ?? null) : null };
}
