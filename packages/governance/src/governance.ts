import { existsSync } from "node:fs";
import type {
  StageResultEnvelope,
  UsageGovernanceState,
  UsageLedgerEntry,
  WorkItemKind,
} from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import { type BudgetDecision, type BudgetSubject, checkBudget } from "./budgets/check-budget.js";
import { type AddBudgetInput, BudgetReleaseLog } from "./budgets/releases.js";
import { adviseStageStart, type WindowCrossingAdvice } from "./budgets/window-scheduling.js";
import { UsageLedger } from "./ledger/ledger.js";
import { type ReconcileReport, reconcileLedger } from "./ledger/reconcile.js";
import { readGovernanceState, writeGovernanceState } from "./state/state-file.js";
import { type GovernanceStep, nextGovernanceState } from "./state/transition.js";
import { SubscriptionQuotaReader } from "./subscription/quota-reader.js";
import { UsageEvaluator } from "./usage/evaluator.js";
import type { GovernanceVerdict, UsageGovernanceConfig } from "./usage/types.js";

export interface UsageGovernanceOptions {
  /** The daemon session doing the work; null for `run once` and direct control. */
  readonly daemonSessionId: string | null;
  readonly now?: () => Date;
  /** Where Codex keeps its session logs (default `$CODEX_HOME`, else `~/.codex`). */
  readonly codexHome?: string;
}

export interface GovernanceEvaluation extends GovernanceStep {
  readonly verdict: GovernanceVerdict;
}

/**
 * One workspace's usage governance, for the engine's between-stage hook: the ledger, the running
 * aggregates, the subscription-quota reader, the persisted state and the budget releases.
 * Single writer: only the runtime owner opens it.
 */
export class UsageGovernance {
  readonly paths: WorkspacePaths;
  readonly ledger: UsageLedger;
  readonly releases: BudgetReleaseLog;
  private config: UsageGovernanceConfig;
  private evaluator: UsageEvaluator;
  private quota: SubscriptionQuotaReader;
  private state: UsageGovernanceState;
  private readonly options: UsageGovernanceOptions;
  private readonly now: () => Date;

  private constructor(paths: WorkspacePaths, config: UsageGovernanceConfig, options: UsageGovernanceOptions) {
    this.paths = paths;
    this.config = config;
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.ledger = UsageLedger.open(paths);
    this.releases = BudgetReleaseLog.open(paths);
    this.evaluator = new UsageEvaluator(config, this.ledger.entries);
    // The aggregates now hold what governance needs; the entries would grow with every stage.
    this.ledger.forgetEntries();
    this.ledger.onEntry((entry) => this.evaluator.add(entry));
    this.quota = new SubscriptionQuotaReader(config, options.codexHome);
    this.state = readGovernanceState(paths);
  }

  static open(
    paths: WorkspacePaths,
    config: UsageGovernanceConfig,
    options: UsageGovernanceOptions,
  ): UsageGovernance {
    return new UsageGovernance(paths, config, options);
  }

  get currentState(): UsageGovernanceState {
    return this.state;
  }

  get usageEvaluator(): UsageEvaluator {
    return this.evaluator;
  }

  /** Applies a new `[usage_governance]` table (a next-tick change): aggregates are rebuilt once. */
  reconfigure(config: UsageGovernanceConfig): void {
    this.config = config;
    // Entries are not kept in memory: read the ledger once more (every counted entry is on disk).
    this.evaluator = new UsageEvaluator(config, UsageLedger.open(this.paths, { repair: false }).entries);
    this.quota = new SubscriptionQuotaReader(config, this.options.codexHome);
  }

  private get counting(): boolean {
    return this.config.enabled && this.config.runtime_token_rules.enabled;
  }

  /** True when `recordStageResult` counts results (governance and token rules are on). */
  get countsStageResults(): boolean {
    return this.counting;
  }

  /** Counts a persisted stage result (when governance and token rules are on). */
  recordStageResult(
    envelope: StageResultEnvelope,
    resultPath: string,
    options: { lineageRootId?: string | null } = {},
  ): UsageLedgerEntry | undefined {
    if (!this.counting) return undefined;
    return this.ledger.record(envelope, resultPath, {
      prices: this.config.prices,
      daemonSessionId: this.options.daemonSessionId,
      lineageRootId: options.lineageRootId ?? null,
      now: this.now(),
    });
  }

  /** Back-fills results the ledger has not counted (startup, and when governance is turned on). */
  reconcile(
    options: { lineageOf?: (kind: WorkItemKind, id: string) => string | null } = {},
  ): ReconcileReport {
    if (!this.counting) return { appended: [], invalid: [] };
    return reconcileLedger(this.ledger, {
      prices: this.config.prices,
      daemonSessionId: this.options.daemonSessionId,
      now: this.now(),
      ...(options.lineageOf ? { lineageOf: options.lineageOf } : {}),
    });
  }

  /**
   * Whether the engine should evaluate at all: governance is on, or it left a state file (a pause
   * to lift), or the snapshot still carries the `usage_governance` pause source.
   */
  shouldEvaluate(snapshotHasGovernancePause = false): boolean {
    return this.config.enabled || snapshotHasGovernancePause || existsSync(this.paths.usageGovernanceState);
  }

  /** Evaluates every rule, folds the verdict into the state file, and reports transitions once each. */
  evaluate(context: { runId?: string | null } = {}): GovernanceEvaluation {
    const now = this.now();
    const verdict = this.evaluator.evaluate({
      now,
      daemonSessionId: this.options.daemonSessionId,
      runId: context.runId ?? null,
      subscription: this.quota.read(now),
    });
    const step = nextGovernanceState({
      previous: this.state,
      verdict,
      config: this.config,
      daemonSessionId: this.options.daemonSessionId,
    });
    writeGovernanceState(this.paths, step.state, { durable: step.changed });
    this.state = step.state;
    return { ...step, verdict };
  }

  checkBudget(subject: BudgetSubject): BudgetDecision {
    return checkBudget(subject, this.config, this.evaluator.aggregates, this.releases);
  }

  addBudget(input: AddBudgetInput) {
    return this.releases.add(input, this.now());
  }

  adviseStageStart(stageKindId: string): WindowCrossingAdvice {
    return adviseStageStart(this.evaluator, stageKindId, this.now());
  }
}
