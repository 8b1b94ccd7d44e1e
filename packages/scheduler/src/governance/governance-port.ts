import type { MillraceConfig, ParkedWorkItem, Plane, WorkItemKind } from "@millrace/contracts";
import type {
  BudgetDecision,
  BudgetSubject,
  ReleaseInput,
  ReleaseOutcome,
  WindowCrossingAdvice,
} from "@millrace/governance";
import type { BetweenStagesInfo, GovernanceVerdict } from "../ports.js";

/**
 * What the engine's steps ask of its own usage governance (implemented by `EngineGovernance`);
 * kept apart so the engine context can name it without importing the implementation.
 */
export interface EngineGovernancePort {
  /** The built-in answer at a stage boundary. */
  between(info: BetweenStagesInfo): GovernanceVerdict | undefined;
  /** The rules the last `resumed` transition cleared (read once). */
  takeClearedRules(): string[] | undefined;
  /** When a governance pause lifts by itself; null when not paused or when a person must resume. */
  nextResumeAt(): Date | null;
  /** A reloaded config (next-tick). */
  reconfigure(config: MillraceConfig): void;
  /** A work item's lineage root (for lineage budgets). */
  lineageOf(kind: WorkItemKind, id: string): string | null;
  /** Whether a work item is over one of its budgets before its next stage. */
  checkBudget(subject: BudgetSubject): BudgetDecision;
  /** Records a parked item. */
  park(item: ParkedWorkItem): void;
  /** Ids parked and not released: never claimed. */
  heldIds(): ReadonlySet<string>;
  /** A released item being claimed again: its record is dropped and its resume point returned. */
  takeResume(id: string): ParkedWorkItem["resume"] | undefined;
  /** Quota-window scheduling: whether a stage of this kind should wait for a window to roll. */
  adviseStageStart(stageKindId: string): WindowCrossingAdvice;
  /** Remembers a held stage's wake-up time per plane; true when the hold is new (log it once). */
  noteHold(plane: Plane, until: Date | null): boolean;
  /** The earliest held stage's wake-up time. */
  nextHoldEndsAt(): Date | null;
  /** `release_work_item`: lets a parked item run again (optionally with more budget). */
  release(input: ReleaseInput): ReleaseOutcome;
}
