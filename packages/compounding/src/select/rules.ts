import type { CompoundingScope, SelectionBudget } from "@millrace/contracts";

/** What one stage may receive of one family (procedures or facts). */
export interface FamilyRule {
  readonly scopes: readonly CompoundingScope[];
  readonly maxItems: number;
  readonly budgetCharacters: number;
}

export interface StageRule {
  /** Stage kinds whose knowledge this stage may receive. */
  readonly sourceStages: readonly string[];
  readonly procedures: FamilyRule;
  readonly facts: FamilyRule;
}

/** Implementation stages (the reference's builder, hotfix, troubleshoot, consult… mapped onto ours). */
export const IMPLEMENTATION_SOURCES = ["builder", "fixer", "troubleshooter", "consultant"] as const;
/** Validation stages also learn from other validation stages. */
export const VALIDATION_SOURCES = [
  ...IMPLEMENTATION_SOURCES,
  "integrator",
  "checker",
  "doublechecker",
] as const;
/** The updater learns from reviews and recoveries. */
export const UPDATE_SOURCES = ["checker", "doublechecker", "troubleshooter", "consultant"] as const;

const BOTH: readonly CompoundingScope[] = ["run", "workspace"];
const WORKSPACE: readonly CompoundingScope[] = ["workspace"];

function rule(
  sourceStages: readonly string[],
  scopes: readonly CompoundingScope[],
  procedures: [number, number] = [2, 2200],
  facts: [number, number] = [2, 1100],
): StageRule {
  return {
    sourceStages,
    procedures: { scopes, maxItems: procedures[0], budgetCharacters: procedures[1] },
    facts: { scopes, maxItems: facts[0], budgetCharacters: facts[1] },
  };
}

/**
 * The default per-stage rules. Stages not listed (planning, learning, research) get no injection.
 * The builder starts fresh work, so it only sees workspace knowledge; later stages of a run also
 * see their own run's candidates when run candidates are allowed.
 */
export const DEFAULT_STAGE_RULES: Readonly<Record<string, StageRule>> = {
  builder: rule(IMPLEMENTATION_SOURCES, WORKSPACE),
  fixer: rule(IMPLEMENTATION_SOURCES, BOTH),
  troubleshooter: rule(IMPLEMENTATION_SOURCES, BOTH),
  consultant: rule(IMPLEMENTATION_SOURCES, BOTH),
  integrator: rule(VALIDATION_SOURCES, BOTH),
  checker: rule(VALIDATION_SOURCES, BOTH),
  doublechecker: rule(VALIDATION_SOURCES, BOTH),
  updater: rule(UPDATE_SOURCES, BOTH, [2, 1600], [1, 700]),
};

/** `governed_plus`: procedures and facts share this many characters; facts get what procedures leave. */
export const DEFAULT_COMBINED_BUDGET_CHARACTERS = 3200;

export function budgetOf(rule: FamilyRule, budgetCharacters = rule.budgetCharacters): SelectionBudget {
  return { max_items: rule.maxItems, budget_characters: Math.max(0, budgetCharacters) };
}
