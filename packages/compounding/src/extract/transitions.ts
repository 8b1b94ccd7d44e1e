/**
 * The successful stage outcomes that yield a run-scoped procedure candidate: the reference's
 * builder→integration/qa, qa→update, doublecheck→update, troubleshoot→resume and consult→resume
 * edges mapped onto our execution graphs, plus the fixer's completion.
 */
export const CANDIDATE_OUTCOMES: Readonly<Record<string, readonly string[]>> = {
  builder: ["BUILDER_COMPLETE"],
  fixer: ["FIXER_COMPLETE"],
  checker: ["CHECKER_PASS"],
  doublechecker: ["DOUBLECHECK_PASS"],
  troubleshooter: ["TROUBLESHOOT_COMPLETE"],
  consultant: ["CONSULT_COMPLETE"],
};

/** Learning-plane outcomes whose final message becomes a context-fact candidate. */
export const LEARNING_FACT_OUTCOMES: Readonly<Record<string, readonly string[]>> = {
  analyst: ["ANALYST_COMPLETE"],
  professor: ["PROFESSOR_COMPLETE"],
  curator: ["CURATOR_COMPLETE"],
};

export type FlushMilestone = "stage_success" | "recovery_success" | "run_closeout";

/**
 * The closing checkpoints at which a run's candidates are flushed to workspace scope: a passed
 * review, a successful recovery, and the updater closing the run.
 */
export const FLUSH_MILESTONES: Readonly<Record<string, Readonly<Record<string, FlushMilestone>>>> = {
  checker: { CHECKER_PASS: "stage_success" },
  doublechecker: { DOUBLECHECK_PASS: "stage_success" },
  troubleshooter: { TROUBLESHOOT_COMPLETE: "recovery_success" },
  consultant: { CONSULT_COMPLETE: "recovery_success" },
  updater: { UPDATE_COMPLETE: "run_closeout" },
};

export function yieldsCandidate(stage: string, terminalResult: string): boolean {
  return CANDIDATE_OUTCOMES[stage]?.includes(terminalResult) ?? false;
}

export function yieldsLearningFact(stage: string, terminalResult: string): boolean {
  return LEARNING_FACT_OUTCOMES[stage]?.includes(terminalResult) ?? false;
}

/** The flush milestone of a stage outcome, or null when the outcome is not a closing checkpoint. */
export function flushMilestoneFor(stage: string, terminalResult: string): FlushMilestone | null {
  return FLUSH_MILESTONES[stage]?.[terminalResult] ?? null;
}
