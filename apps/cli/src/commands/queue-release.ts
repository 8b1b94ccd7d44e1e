import { MillraceError, type ParkedWorkItem } from "@millrace/contracts";
import { assertSafeId } from "@millrace/queue-store";
import { requireInitialized, type WorkspacePaths } from "@millrace/workspace";
import type { CommandContext } from "../io.js";
import { emitControl } from "./control-output.js";

export interface ReleaseArgs {
  target?: string;
  addBudget?: number;
  issuer?: string;
  reason?: string;
}

/**
 * `queue release ID [--add-budget N]`: lets a parked work item be claimed again. Goes through the
 * mailbox when a daemon runs, like every other change; the issuer (`--issuer`, or `--actor`) is recorded.
 */
export async function runQueueRelease(args: ReleaseArgs, ctx: CommandContext): Promise<number> {
  const paths = requireInitialized(ctx.workspace);
  if (!args.target) {
    throw new MillraceError("usage_invalid_argument", "queue release needs a work item id", {
      hint: "Run `millrace usage` to list the parked items.",
    });
  }
  const id = assertSafeId(args.target);
  const amount = args.addBudget;
  if (amount !== undefined && !(Number.isFinite(amount) && amount > 0)) {
    throw new MillraceError("usage_invalid_argument", "--add-budget must be a number above 0", {
      hint: "Give the amount in the budget's metric, e.g. --add-budget 50000 for total_tokens.",
    });
  }
  const { submitControl } = await import("@millrace/supervisor-contract");
  const result = submitControl(
    paths.root,
    "release_work_item",
    {
      work_item_id: id,
      ...(amount !== undefined ? { add_budget: amount } : {}),
      ...(args.reason ? { reason: args.reason } : {}),
    },
    { issuer: args.issuer },
  );
  return emitControl(ctx, result);
}

/** The parked record of a work item, if it is parked (for `queue show`). */
export async function parkedRecord(paths: WorkspacePaths, id: string): Promise<ParkedWorkItem | undefined> {
  const { ParkedItems } = await import("@millrace/governance");
  return ParkedItems.open(paths).get(id);
}

/** `queue show` lines for a parked item: why, the budgets, and how to release it. */
export function parkedLines(item: ParkedWorkItem | undefined): string {
  if (!item) return "";
  if (item.released_at)
    return `parked: released by ${item.released_by ?? "someone"} at ${item.released_at}\n`;
  const lines = [`parked: ${item.reason} (since ${item.parked_at})`];
  for (const breach of item.breaches) {
    lines.push(`budget: ${breach.config_key} limit=${breach.limit} spent=${breach.spent}`);
  }
  lines.push(`release: millrace queue release ${item.work_item_id} --add-budget N`);
  return `${lines.join("\n")}\n`;
}
