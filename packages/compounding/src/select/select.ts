import type {
  CompoundingItemKind,
  CompoundingProfile,
  CompoundingSelection,
  ConsideredItem,
  SelectionFamily,
  SelectionReason,
} from "@millrace/contracts";
import type { CompoundingSnapshot } from "../store/snapshot.js";
import { cautionLine, FACTS_TITLE, PROCEDURES_TITLE, renderSection, SECTION_SEPARATOR } from "./render.js";
import {
  budgetOf,
  DEFAULT_COMBINED_BUDGET_CHARACTERS,
  DEFAULT_STAGE_RULES,
  type FamilyRule,
  type StageRule,
} from "./rules.js";
import { type FamilyView, type RetrievalView, tokensOf, type ViewItem, viewOf } from "./view.js";

/** Structurally the runners' `PromptContextBlock`: the prompt prints `title:` then the body. */
export interface PromptBlock {
  readonly title: string;
  readonly body: string;
}

export interface SelectionRequest {
  readonly runId: string;
  /** The stage kind about to run (e.g. `builder`). */
  readonly stage: string;
  /** The work item's title and body: facts sharing words with it rank first. */
  readonly taskText?: string;
  /** Default `compounding` (procedures only). */
  readonly profile?: CompoundingProfile;
  /** Default DEFAULT_STAGE_RULES. */
  readonly stageRules?: Readonly<Record<string, StageRule>>;
  /** `governed_plus` only; default 3200. */
  readonly combinedBudgetCharacters?: number;
  /**
   * Also inject this run's own (unreviewed) candidates to the stages whose rules allow run scope.
   * Default false: only operator-promoted items are ever injected.
   */
  readonly includeRunCandidates?: boolean;
}

export interface SelectionResult {
  /** Zero, one or two blocks (procedures, then facts); a family with nothing selected has no block. */
  readonly blocks: readonly PromptBlock[];
  /** What was considered, selected and trimmed: store it with the stage's artifacts. */
  readonly selection: CompoundingSelection;
}

/** Considered items recorded per family (the count is always complete). */
export const CONSIDERED_RECORD_LIMIT = 50;

/**
 * The stage-aware, budgeted selection of promoted knowledge for one stage's prompt. Deterministic:
 * the same store contents and request give the same blocks and the same record.
 */
export function selectPromptContext(
  source: CompoundingSnapshot | RetrievalView,
  request: SelectionRequest,
): SelectionResult {
  const view = viewOf(source);
  const profile = request.profile ?? "compounding";
  const rule = (request.stageRules ?? DEFAULT_STAGE_RULES)[request.stage];
  const combined =
    profile === "governed_plus"
      ? (request.combinedBudgetCharacters ?? DEFAULT_COMBINED_BUDGET_CHARACTERS)
      : null;
  const none = emptyFamily();
  if (!rule || profile === "baseline") {
    return { blocks: [], selection: record(request, profile, combined, none, none) };
  }
  const ctx = {
    runId: request.runId,
    includeRun: request.includeRunCandidates ?? false,
    sources: new Set(rule.sourceStages),
  };
  const procBudget = Math.min(rule.procedures.budgetCharacters, combined ?? Number.POSITIVE_INFINITY);
  const procedures = selectFamily(view.procedures, "procedure", rule.procedures, procBudget, ctx, null);
  let facts = { family: none, block: null as PromptBlock | null };
  if (profile === "governed_plus" && combined !== null) {
    const left = combined - procedures.family.used_characters;
    facts = selectFamily(
      view.facts,
      "fact",
      rule.facts,
      Math.min(rule.facts.budgetCharacters, left),
      ctx,
      taskTokens(request),
    );
  }
  const blocks = [procedures.block, facts.block].filter((block): block is PromptBlock => block !== null);
  return { blocks, selection: record(request, profile, combined, procedures.family, facts.family) };
}

interface FilterContext {
  readonly runId: string;
  readonly includeRun: boolean;
  readonly sources: ReadonlySet<string>;
}

function taskTokens(request: SelectionRequest): ReadonlySet<string> {
  return tokensOf(`${request.stage} ${request.taskText ?? ""}`);
}

/** Why a candidate item (eligible, or the run's own) is not one for this stage, or null. */
function sourceExclusion(item: ViewItem, ctx: FilterContext): string | null {
  return ctx.sources.has(item.sourceStage) ? null : "source_stage_not_allowed";
}

function matches(item: ViewItem, tokens: ReadonlySet<string>): boolean {
  for (const token of tokens) if (item.tokens.has(token)) return true;
  return false;
}

/**
 * Candidates in selection order: run scope, then (facts) pattern matches, then the rest; each
 * newest first (the view's order). The items no stage of this kind can be given (other runs'
 * candidates, workspace items not promoted, a scope the rule does not allow) are counted from the
 * view's tallies, not visited, so a call costs the same however long the store's history is. Each
 * bucket keeps only as many as the record can show.
 */
function rank(family: FamilyView, rule: FamilyRule, ctx: FilterContext, tokens: ReadonlySet<string> | null) {
  const buckets: Record<SelectionReason, ViewItem[]> = {
    run_scope: [],
    pattern_match: [],
    broader_scope: [],
  };
  const excluded: Record<string, number> = {};
  const exclude = (why: string, n: number) => {
    if (n > 0) excluded[why] = (excluded[why] ?? 0) + n;
  };
  let count = 0;
  const consider = (item: ViewItem, reason: SelectionReason) => {
    const why = sourceExclusion(item, ctx);
    if (why !== null) return exclude(why, 1);
    count += 1;
    const bucket = buckets[reason];
    if (bucket.length < CONSIDERED_RECORD_LIMIT) bucket.push(item);
  };
  if (!rule.scopes.includes("run")) exclude("scope_not_allowed", family.run);
  else {
    const own = family.runCount(ctx.runId);
    exclude("other_run", family.run - own);
    if (!ctx.includeRun) exclude("not_promoted", own);
    else for (const item of family.runItems(ctx.runId)) consider(item, "run_scope");
  }
  if (!rule.scopes.includes("workspace")) {
    exclude("scope_not_allowed", family.stale + family.deprecated + family.eligible().length);
  } else {
    exclude("deprecated", family.deprecated);
    exclude("not_promoted", family.stale);
    for (const item of family.eligible()) {
      consider(item, tokens !== null && matches(item, tokens) ? "pattern_match" : "broader_scope");
    }
  }
  const ranked: [ViewItem, SelectionReason][] = [];
  for (const reason of ["run_scope", "pattern_match", "broader_scope"] as const) {
    for (const item of buckets[reason]) {
      if (ranked.length >= CONSIDERED_RECORD_LIMIT) break;
      ranked.push([item, reason]);
    }
  }
  return { ranked, count, excluded };
}

// Greedy fill with the bookkeeping of every decision; kept together so the budget arithmetic reads in one place.
function selectFamily(
  items: FamilyView,
  kind: CompoundingItemKind,
  rule: FamilyRule,
  budgetCharacters: number,
  ctx: FilterContext,
  tokens: ReadonlySet<string> | null,
): { family: SelectionFamily; block: PromptBlock | null } {
  const budget = budgetOf(rule, budgetCharacters);
  const { ranked, count, excluded } = rank(items, rule, ctx, tokens);
  const caution = cautionLine(kind, budget.max_items, budget.budget_characters);
  const sections: string[] = [];
  const considered: ConsideredItem[] = [];
  let used = caution.length;
  let truncated = 0;
  let exhausted = false;
  for (const [item, reason] of ranked) {
    if (considered.length >= CONSIDERED_RECORD_LIMIT) break;
    const base = {
      item_id: item.id,
      item_kind: kind,
      scope: item.scope,
      source_stage: item.sourceStage,
      selection_reason: reason,
    };
    if (sections.length >= budget.max_items) {
      considered.push({ ...base, decision: "over_item_cap", characters: 0 });
      continue;
    }
    const room = budget.budget_characters - used - SECTION_SEPARATOR.length;
    const section = exhausted ? null : renderSection(item, sections.length + 1, reason, room);
    if (section === null) {
      exhausted = true;
      considered.push({ ...base, decision: "over_budget", characters: 0 });
      continue;
    }
    sections.push(section.text);
    used += SECTION_SEPARATOR.length + section.text.length;
    if (section.truncated) {
      truncated += 1;
      exhausted = true;
    }
    considered.push({
      ...base,
      decision: section.truncated ? "truncated" : "selected",
      characters: section.text.length,
    });
  }
  const selectedIds = considered
    .filter((c) => c.decision === "selected" || c.decision === "truncated")
    .map((c) => c.item_id);
  const family: SelectionFamily = {
    budget,
    considered_count: count,
    considered,
    selected_ids: selectedIds,
    used_characters: sections.length === 0 ? 0 : used,
    truncated_count: truncated,
    excluded_counts: excluded,
  };
  if (sections.length === 0) return { family, block: null };
  const body = [caution, ...sections].join(SECTION_SEPARATOR);
  return { family, block: { title: kind === "procedure" ? PROCEDURES_TITLE : FACTS_TITLE, body } };
}

function emptyFamily(): SelectionFamily {
  return {
    budget: { max_items: 0, budget_characters: 0 },
    considered_count: 0,
    considered: [],
    selected_ids: [],
    used_characters: 0,
    truncated_count: 0,
    excluded_counts: {},
  };
}

function record(
  request: SelectionRequest,
  profile: CompoundingProfile,
  combined: number | null,
  procedures: SelectionFamily,
  facts: SelectionFamily,
): CompoundingSelection {
  return {
    schema_version: "1.0",
    kind: "compounding_selection",
    run_id: request.runId,
    stage: request.stage,
    profile,
    combined_budget_characters: combined,
    procedures,
    facts,
    injected_characters: procedures.used_characters + facts.used_characters,
  };
}
