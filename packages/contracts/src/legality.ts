import { z } from "zod";
import type { Plane, ResultClass } from "./enums.js";
import { lazySchema } from "./lazy-schema.js";

/**
 * The stage legality table: for every built-in stage kind, its plane, the concrete runtime stage it
 * runs as, and the legal terminal outcomes with the result classes each may produce. Everything
 * else (markers, prompt marker lists, status-marker universes, entrypoint lint, compiler checks)
 * is derived from this one table.
 */
export interface StageKindLegality {
  readonly stageKindId: string;
  readonly plane: Plane;
  /** The stage identity the runtime uses (blueprint kinds run as manager or mechanic). */
  readonly runtimeStage: string;
  /** Legal outcomes, in order, with the result classes each allows. */
  readonly outcomes: Readonly<Record<string, readonly ResultClass[]>>;
}

/** `BLOCKED` is legal for every stage and may be reported as blocked or as a recoverable failure. */
export const BLOCKED_OUTCOME = "BLOCKED";
export const BLOCKED_RESULT_CLASSES: readonly ResultClass[] = ["blocked", "recoverable_failure"];
export const IDLE_MARKER = "### IDLE";

function kind(
  stageKindId: string,
  plane: Plane,
  outcomes: Record<string, ResultClass>,
  runtimeStage = stageKindId,
): StageKindLegality {
  const table: Record<string, readonly ResultClass[]> = {};
  for (const [outcome, resultClass] of Object.entries(outcomes)) table[outcome] = [resultClass];
  table[BLOCKED_OUTCOME] = BLOCKED_RESULT_CLASSES;
  return Object.freeze({ stageKindId, plane, runtimeStage, outcomes: Object.freeze(table) });
}

export const STAGE_LEGALITY: readonly StageKindLegality[] = Object.freeze([
  kind("builder", "execution", { BUILDER_COMPLETE: "success" }),
  kind("integrator", "execution", { INTEGRATION_COMPLETE: "success" }),
  kind("checker", "execution", { CHECKER_PASS: "success", FIX_NEEDED: "followup_needed" }),
  kind("fixer", "execution", { FIXER_COMPLETE: "success" }),
  kind("doublechecker", "execution", { DOUBLECHECK_PASS: "success", FIX_NEEDED: "followup_needed" }),
  kind("updater", "execution", { UPDATE_COMPLETE: "success" }),
  kind("troubleshooter", "execution", { TROUBLESHOOT_COMPLETE: "success" }),
  kind("consultant", "execution", { CONSULT_COMPLETE: "success", NEEDS_PLANNING: "escalate_planning" }),
  // Entered by the runtime, not by an edge: a lane whose landing conflicted (docs/lanes.md).
  kind("merge", "execution", { MERGE_COMPLETE: "success" }),
  kind("recon", "planning", {
    RECON_TO_EXECUTION: "success",
    RECON_TO_PLANNING: "success",
    RECON_NOOP: "no_op",
    RECON_BLOCKED: "blocked",
  }),
  kind("planner", "planning", { PLANNER_COMPLETE: "success" }),
  kind("manager", "planning", { MANAGER_COMPLETE: "success" }),
  kind("mechanic", "planning", { MECHANIC_COMPLETE: "success" }),
  kind("auditor", "planning", { AUDITOR_COMPLETE: "success" }),
  kind("arbiter", "planning", { ARBITER_COMPLETE: "success", REMEDIATION_NEEDED: "followup_needed" }),
  kind("manager_blueprint", "planning", { MANAGER_BLUEPRINT_COMPLETE: "success" }, "manager"),
  kind("contractor_blueprint", "planning", { BLUEPRINT_CANDIDATE_READY: "success" }, "manager"),
  kind(
    "evaluator_blueprint",
    "planning",
    { BLUEPRINT_APPROVED: "success", BLUEPRINT_REJECTED: "followup_needed" },
    "manager",
  ),
  kind("mechanic_blueprint", "planning", { MECHANIC_BLUEPRINT_COMPLETE: "success" }, "mechanic"),
  // The GoalSpec funnel (planning.goalspec): goal intake through task decomposition.
  kind("goal_intake", "planning", {
    GOAL_INTAKE_COMPLETE: "success",
    NEEDS_OPERATOR_INPUT: "followup_needed",
  }),
  kind("objective_profile", "planning", { OBJECTIVE_PROFILE_COMPLETE: "success" }),
  kind("completion_manifest", "planning", { COMPLETION_MANIFEST_COMPLETE: "success" }),
  kind("spec_synthesis", "planning", { SPEC_SYNTHESIS_COMPLETE: "success" }),
  kind("spec_interview", "planning", {
    SPEC_INTERVIEW_COMPLETE: "success",
    NEEDS_OPERATOR_INPUT: "followup_needed",
  }),
  kind("spec_review", "planning", { SPEC_REVIEW_PASS: "success", SPEC_REVIEW_REVISE: "followup_needed" }),
  kind("task_decomposition", "planning", { TASK_DECOMPOSITION_COMPLETE: "success" }),
  kind("analyst", "learning", { ANALYST_COMPLETE: "success", ANALYST_NOOP: "no_op" }),
  kind("professor", "learning", { PROFESSOR_COMPLETE: "success", PROFESSOR_NOOP: "no_op" }),
  kind("curator", "learning", { CURATOR_COMPLETE: "success", CURATOR_NOOP: "no_op" }),
  kind("librarian", "learning", { LIBRARIAN_COMPLETE: "success", LIBRARIAN_NOOP: "no_op" }),
]);

const BY_KIND = new Map(STAGE_LEGALITY.map((entry) => [entry.stageKindId, entry]));

/**
 * The stage kind the runtime enters when a lane's branch conflicts with the workspace branch at
 * landing: a graph node of this kind is a root of its graph (no edge leads to it).
 */
export const LANE_MERGE_STAGE_KIND = "merge";

/** Built-in stage kind ids, in table order. */
export const BUILTIN_STAGE_KIND_IDS: readonly string[] = STAGE_LEGALITY.map((entry) => entry.stageKindId);

/** Runtime stage names (the `stage` of requests, results and snapshots), in table order. */
export const STAGE_NAMES = [
  "builder",
  "integrator",
  "checker",
  "fixer",
  "doublechecker",
  "updater",
  "troubleshooter",
  "consultant",
  "merge",
  "recon",
  "planner",
  "manager",
  "mechanic",
  "auditor",
  "arbiter",
  "analyst",
  "professor",
  "curator",
  "librarian",
] as const;
export const StageNameSchema = lazySchema(() => z.enum(STAGE_NAMES));
export type StageName = z.infer<typeof StageNameSchema>;

export function stageLegality(stageKindId: string): StageKindLegality | undefined {
  return BY_KIND.get(stageKindId);
}

export function stagesOfPlane(plane: Plane): StageKindLegality[] {
  return STAGE_LEGALITY.filter((entry) => entry.plane === plane);
}

/** The plane a runtime stage belongs to, or undefined for an unknown stage. */
export function planeOfStage(stage: string): Plane | undefined {
  return BY_KIND.get(stage)?.plane;
}

export function runningMarkerToken(stageKindId: string): string {
  return `${stageKindId.toUpperCase()}_RUNNING`;
}

export function terminalMarker(outcome: string): string {
  return `### ${outcome}`;
}

export function legalOutcomes(stageKindId: string): string[] {
  const entry = BY_KIND.get(stageKindId);
  return entry ? Object.keys(entry.outcomes) : [];
}

export function legalTerminalMarkers(stageKindId: string): string[] {
  return legalOutcomes(stageKindId).map(terminalMarker);
}

export function allowedResultClasses(stageKindId: string, outcome: string): readonly ResultClass[] {
  return BY_KIND.get(stageKindId)?.outcomes[outcome] ?? [];
}

/** The one result class a legal outcome maps to; BLOCKED reports as `blocked`. */
export function defaultResultClass(stageKindId: string, outcome: string): ResultClass | undefined {
  if (outcome === BLOCKED_OUTCOME) return "blocked";
  return allowedResultClasses(stageKindId, outcome)[0];
}

/**
 * Every status marker a plane's status file may legally hold: idle, each stage's running marker and
 * each stage's terminal markers (graph terminal states may add their own `writes_status`).
 */
export function planeMarkerUniverse(plane: Plane, extraTerminalTokens: readonly string[] = []): Set<string> {
  const markers = new Set<string>([IDLE_MARKER]);
  for (const entry of stagesOfPlane(plane)) {
    markers.add(terminalMarker(runningMarkerToken(entry.runtimeStage)));
    markers.add(terminalMarker(runningMarkerToken(entry.stageKindId)));
    for (const outcome of Object.keys(entry.outcomes)) markers.add(terminalMarker(outcome));
  }
  for (const token of extraTerminalTokens) markers.add(terminalMarker(token));
  return markers;
}
