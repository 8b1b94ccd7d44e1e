import type { LearningTriggerRule, Mode, Plane } from "@millrace/contracts";
import type { IssueList } from "./issues.js";
import type { LoadedGraph } from "./locate-graph.js";
import type { LoadedStageKind } from "./stage-kinds.js";

interface RuleContext {
  readonly modePath: string;
  readonly graphs: Partial<Record<Plane, LoadedGraph>>;
  readonly kinds: ReadonlyMap<string, LoadedStageKind>;
  readonly issues: IssueList;
}

/** The source stage must be in the selected source loop, and each trigger outcome legal for it. */
function checkRuleSource(rule: LearningTriggerRule, subject: string, ctx: RuleContext): void {
  const sourceGraph = ctx.graphs[rule.source_plane]?.graph;
  const sourceNode = sourceGraph?.nodes.find((n) => n.stage_kind_id === rule.source_stage);
  if (sourceGraph && !sourceNode) {
    ctx.issues.error(
      "trigger_unknown_source",
      ctx.modePath,
      subject,
      `source stage ${rule.source_stage} is not in the selected ${rule.source_plane} loop ${sourceGraph.loop_id}`,
      `use a stage of ${sourceGraph.loop_id}`,
    );
  }
  const sourceKind = ctx.kinds.get(rule.source_stage);
  if (!sourceNode || !sourceKind) return;
  for (const outcome of rule.on_terminal_results) {
    if (!sourceKind.kind.legal_outcomes.includes(outcome)) {
      ctx.issues.error(
        "trigger_illegal_outcome",
        ctx.modePath,
        subject,
        `${outcome} is not a legal outcome of ${rule.source_stage}`,
        `use outcomes of ${rule.source_stage}: ${sourceKind.kind.legal_outcomes.join(", ")}`,
      );
    }
  }
}

/** The target stage must be in the learning loop and able to start learning requests. */
function checkRuleTarget(rule: LearningTriggerRule, subject: string, ctx: RuleContext): void {
  const learning = ctx.graphs.learning;
  if (!learning) return;
  const targetNode = learning.graph.nodes.find((n) => n.stage_kind_id === rule.target_stage);
  if (!targetNode) {
    ctx.issues.error(
      "trigger_unknown_target",
      ctx.modePath,
      subject,
      `target stage ${rule.target_stage} is not in the learning loop ${learning.graph.loop_id}`,
      "target a learning stage such as analyst",
    );
  } else if (!ctx.kinds.get(targetNode.stage_kind_id)?.kind.can_start_learning_requests) {
    ctx.issues.error(
      "trigger_target_cannot_start",
      ctx.modePath,
      subject,
      `learning requests cannot start at ${rule.target_stage} (can_start_learning_requests is false)`,
      "target a stage kind that can start learning requests (analyst, curator, librarian)",
    );
  }
}

/**
 * A mode's learning trigger rules need a learning loop, unique ids, a source stage and outcomes
 * that exist in the selected loops, a target that can start learning requests, and (when they go
 * straight to the curator) a safe destination.
 */
export function checkTriggerRules(
  mode: Mode,
  modePath: string,
  graphs: Partial<Record<Plane, LoadedGraph>>,
  kinds: ReadonlyMap<string, LoadedStageKind>,
  issues: IssueList,
): void {
  const rules = mode.learning_trigger_rules;
  if (rules.length === 0) return;
  if (!mode.loop_ids_by_plane.learning) {
    issues.error(
      "trigger_without_learning",
      modePath,
      "learning_trigger_rules",
      "trigger rules need a learning loop, and this mode selects none",
      'add "learning": "learning.standard" to loop_ids_by_plane or remove the rules',
    );
    return;
  }
  const ctx: RuleContext = { modePath, graphs, kinds, issues };
  const seen = new Set<string>();
  for (const rule of rules) {
    const subject = `learning trigger ${rule.rule_id}`;
    if (seen.has(rule.rule_id)) {
      issues.error(
        "trigger_duplicate_id",
        modePath,
        subject,
        "rule_id is used twice",
        "give each rule a unique id",
      );
    }
    seen.add(rule.rule_id);
    checkRuleSource(rule, subject, ctx);
    checkRuleTarget(rule, subject, ctx);
    if (
      rule.target_stage === "curator" &&
      !rule.target_skill_id &&
      rule.preferred_output_paths.length === 0
    ) {
      issues.error(
        "trigger_curator_destination",
        modePath,
        subject,
        "a rule that goes straight to the curator needs a safe destination",
        "set target_skill_id or preferred_output_paths, or target the analyst instead",
      );
    }
  }
}
