import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  type BudgetRelease,
  BudgetReleaseSchema,
  type BudgetScope,
  formatTimestamp,
  MillraceError,
  type UsageMetric,
} from "@millrace/contracts";
import { appendFileDurableSync, type WorkspacePaths } from "@millrace/workspace";

export const BUDGET_RELEASES_FILE_NAME = "usage_governance_budget_releases.jsonl";

export function budgetReleasesFile(paths: WorkspacePaths): string {
  return path.join(paths.state, BUDGET_RELEASES_FILE_NAME);
}

export interface AddBudgetInput {
  readonly scope: BudgetScope;
  readonly key: string;
  readonly stageKindId?: string | null;
  readonly metric: UsageMetric;
  readonly amount: number;
  readonly issuer: string;
  readonly reason?: string;
}

function releaseKey(
  scope: BudgetScope,
  key: string,
  stageKindId: string | null,
  metric: UsageMetric,
): string {
  return [scope, key, stageKindId ?? "", metric].join("\u0000");
}

/**
 * The `add_budget` journal (`state/usage_governance_budget_releases.jsonl`): every release raises
 * one budget for good. Appends are fsync'd; a torn last line is ignored.
 */
export class BudgetReleaseLog {
  private readonly totals = new Map<string, number>();
  readonly releases: BudgetRelease[] = [];

  private constructor(readonly file: string) {}

  static open(paths: WorkspacePaths): BudgetReleaseLog {
    const log = new BudgetReleaseLog(budgetReleasesFile(paths));
    let text = "";
    try {
      text = readFileSync(log.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const complete = text.slice(0, text.lastIndexOf("\n") + 1);
    for (const line of complete.split("\n")) {
      if (line.trim() === "") continue;
      try {
        const parsed = BudgetReleaseSchema.safeParse(JSON.parse(line));
        if (parsed.success) log.accept(parsed.data);
      } catch {
        // a line that is not JSON is skipped, never counted
      }
    }
    if (complete.length < text.length) appendFileDurableSync(log.file, "\n");
    return log;
  }

  /** Total released for one budget. */
  released(scope: BudgetScope, key: string, stageKindId: string | null, metric: UsageMetric): number {
    return this.totals.get(releaseKey(scope, key, stageKindId, metric)) ?? 0;
  }

  /** Records an `add_budget` release durably and returns it. */
  add(input: AddBudgetInput, now: Date = new Date()): BudgetRelease {
    const stageKindId = input.scope === "stage_kind" ? (input.stageKindId ?? null) : null;
    if (input.scope === "stage_kind" && !stageKindId) {
      throw new MillraceError("budget_release_invalid", "a stage_kind budget release names its stage kind");
    }
    const parsed = BudgetReleaseSchema.safeParse({
      kind: "add_budget",
      release_id: `release-${randomBytes(4).toString("hex")}`,
      scope: input.scope,
      key: input.key,
      stage_kind_id: stageKindId,
      metric: input.metric,
      amount: input.amount,
      issuer: input.issuer,
      reason: input.reason ?? "",
      released_at: formatTimestamp(now),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MillraceError(
        "budget_release_invalid",
        `add_budget ${issue?.path.join(".")}: ${issue?.message}`,
        {
          details: { input },
        },
      );
    }
    appendFileDurableSync(this.file, `${JSON.stringify(parsed.data)}\n`);
    this.accept(parsed.data);
    return parsed.data;
  }

  private accept(release: BudgetRelease): void {
    this.releases.push(release);
    const key = releaseKey(release.scope, release.key, release.stage_kind_id, release.metric);
    this.totals.set(key, (this.totals.get(key) ?? 0) + release.amount);
  }
}
