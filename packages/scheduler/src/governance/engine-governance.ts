import type { MillraceConfig, ParkedWorkItem, Plane } from "@millrace/contracts";
import {
  type BudgetDecision,
  type BudgetSubject,
  betweenStagesHook,
  codexHome,
  type GovernanceTransition,
  ParkedItems,
  type ReleaseInput,
  type ReleaseOutcome,
  releaseParkedItem,
  UsageGovernance,
  type WindowCrossingAdvice,
} from "@millrace/governance";
import type { BetweenStagesInfo, GovernanceVerdict } from "../ports.js";
import { type EngineContext, recordEvent } from "../state/context.js";
import type { EngineGovernancePort } from "./governance-port.js";
import { type LineageLookup, lineageLookup } from "./lineage.js";

/**
 * The engine's own usage governance: opens `@millrace/governance` for the workspace the engine
 * owns, back-fills the ledger from `runs/*\/stage_results/` at startup, and answers the
 * between-stages port (count the result just persisted, evaluate, pause or lift the pause).
 * Transitions become runtime events once each, never once per evaluation.
 */
export class EngineGovernance implements EngineGovernancePort {
  readonly usage: UsageGovernance;
  readonly parked: ParkedItems;
  readonly lineageOf: LineageLookup;
  private readonly hook: ReturnType<typeof betweenStagesHook>;
  private clearedRules: string[] | undefined;
  private readonly holds = new Map<Plane, number>();

  private constructor(
    private readonly ctx: EngineContext,
    daemonSessionId: string | null,
  ) {
    this.lineageOf = lineageLookup(ctx.queue);
    this.usage = UsageGovernance.open(ctx.paths, ctx.config.usage_governance, {
      daemonSessionId,
      now: ctx.clock,
      codexHome: codexHome(ctx.env as NodeJS.ProcessEnv),
    });
    this.parked = ParkedItems.open(ctx.paths);
    this.hook = betweenStagesHook(this.usage, {
      lineageOf: this.lineageOf,
      onTransition: (transition) => this.record(transition),
    });
  }

  /** Opens governance and reconciles its ledger (a no-op while governance is off). */
  static open(ctx: EngineContext, daemonSessionId: string | null): EngineGovernance {
    const governance = new EngineGovernance(ctx, daemonSessionId);
    governance.usage.reconcile({ lineageOf: governance.lineageOf });
    return governance;
  }

  /** The built-in answer at a stage boundary. */
  between(info: BetweenStagesInfo): GovernanceVerdict | undefined {
    const verdict = this.hook(info);
    if (!verdict) return undefined;
    return { pause: verdict.pause, ...(verdict.reason ? { reason: verdict.reason } : {}) };
  }

  /** The rules the last `resumed` transition cleared (read once, by the gate's resume event). */
  takeClearedRules(): string[] | undefined {
    const rules = this.clearedRules;
    this.clearedRules = undefined;
    return rules;
  }

  /** When a governance pause lifts by itself; null when not paused or when a person must resume. */
  nextResumeAt(): Date | null {
    const state = this.usage.currentState;
    if (!state.paused_by_governance || !state.next_auto_resume_at) return null;
    return new Date(state.next_auto_resume_at);
  }

  /** A reloaded `[usage_governance]` table (next-tick: the plan is untouched); back-fills when turned on. */
  reconfigure(config: MillraceConfig): void {
    this.usage.reconfigure(config.usage_governance);
    this.usage.reconcile({ lineageOf: this.lineageOf });
  }

  checkBudget(subject: BudgetSubject): BudgetDecision {
    return this.usage.checkBudget(subject);
  }

  park(item: ParkedWorkItem): void {
    this.parked.park(item);
  }

  heldIds(): ReadonlySet<string> {
    return this.parked.held();
  }

  takeResume(id: string): ParkedWorkItem["resume"] | undefined {
    return this.parked.take(id)?.resume ?? undefined;
  }

  adviseStageStart(stageKindId: string): WindowCrossingAdvice {
    return this.usage.adviseStageStart(stageKindId);
  }

  noteHold(plane: Plane, until: Date | null): boolean {
    if (until === null) return this.holds.delete(plane) && false;
    const isNew = this.holds.get(plane) !== until.getTime();
    this.holds.set(plane, until.getTime());
    return isNew;
  }

  nextHoldEndsAt(): Date | null {
    const times = [...this.holds.values()];
    return times.length === 0 ? null : new Date(Math.min(...times));
  }

  release(input: ReleaseInput): ReleaseOutcome {
    return releaseParkedItem(this.usage, this.parked, input);
  }

  private record(transition: GovernanceTransition): void {
    if (transition.kind === "paused") {
      for (const blocker of transition.blockers) {
        recordEvent(this.ctx, "usage_governance_blocked", {
          source: blocker.source,
          rule_id: blocker.rule_id,
          window: blocker.window,
          metric: blocker.metric ?? null,
          observed: blocker.observed,
          threshold: blocker.threshold,
          auto_resume_possible: blocker.auto_resume_possible,
          next_auto_resume_at: transition.next_auto_resume_at,
          detail: blocker.detail,
        });
      }
    } else if (transition.kind === "resumed") {
      this.clearedRules = [...transition.cleared_rules];
    } else {
      recordEvent(this.ctx, "usage_governance_degraded", {
        source: "subscription_quota",
        policy: transition.policy,
        detail: transition.detail,
      });
    }
  }
}
