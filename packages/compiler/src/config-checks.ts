import type { MillraceConfig } from "@millrace/contracts";
import type { IssueList } from "./issues.js";
import type { LoadedStageKind } from "./stage-kinds.js";

/** Per-stage config sections must name a stage kind and must not set two disagreeing thinking levels. */
export function checkStageConfig(
  config: MillraceConfig,
  kinds: ReadonlyMap<string, LoadedStageKind>,
  issues: IssueList,
): void {
  for (const [stage, section] of Object.entries(config.stages)) {
    const key = `stages.${stage}`;
    if (!kinds.has(stage)) {
      issues.error(
        "config_unknown_stage",
        "millrace.toml",
        key,
        `${stage} is not a stage kind`,
        `use a stage kind id such as builder, or remove [${key}]`,
      );
    }
    if (
      section.thinking_level !== undefined &&
      section.model_reasoning_effort !== undefined &&
      section.thinking_level !== section.model_reasoning_effort
    ) {
      issues.error(
        "config_thinking_conflict",
        "millrace.toml",
        key,
        `thinking_level ${section.thinking_level} disagrees with model_reasoning_effort ${section.model_reasoning_effort}`,
        "set only thinking_level, or make both the same",
      );
    }
  }
}
