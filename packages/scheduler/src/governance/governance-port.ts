import type { MillraceConfig } from "@millrace/contracts";
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
}
