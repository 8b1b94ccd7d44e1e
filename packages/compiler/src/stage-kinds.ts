import {
  BLOCKED_OUTCOME,
  BLOCKED_RESULT_CLASSES,
  type StageKind,
  StageKindSchema,
  stageLegality,
} from "@millrace/contracts";
import type { AssetFile, AssetSource } from "./asset-source.js";
import type { IssueList } from "./issues.js";
import { parseAsset } from "./parse-asset.js";

export const STAGE_KINDS_DIR = "registry/stage_kinds";

export interface LoadedStageKind {
  readonly kind: StageKind;
  readonly file: AssetFile;
  readonly builtin: boolean;
  /** The stage identity the runtime uses. */
  readonly runtimeStage: string;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** Each legal outcome maps to result classes that fit it: BLOCKED to blocked kinds, others to one. */
function checkResultClasses(kind: StageKind, where: string, subject: string, issues: IssueList): void {
  const classes = kind.allowed_result_classes_by_outcome;
  for (const outcome of kind.legal_outcomes) {
    const allowed = classes[outcome];
    if (!allowed) {
      issues.error(
        "stage_kind_outcome_without_class",
        where,
        `${subject} outcome ${outcome}`,
        "allowed_result_classes_by_outcome has no entry for this legal outcome",
        `add "${outcome}": ["<result class>"]`,
      );
      continue;
    }
    if (outcome === BLOCKED_OUTCOME) {
      const bad = allowed.filter((value) => !BLOCKED_RESULT_CLASSES.includes(value));
      if (bad.length > 0) {
        issues.error(
          "stage_kind_blocked_classes",
          where,
          `${subject} outcome BLOCKED`,
          `BLOCKED may only report blocked or recoverable_failure, not ${bad.join(", ")}`,
          'use ["blocked", "recoverable_failure"]',
        );
      }
    } else if (allowed.length !== 1) {
      issues.error(
        "stage_kind_class_count",
        where,
        `${subject} outcome ${outcome}`,
        `an outcome other than BLOCKED must allow exactly one result class (found ${allowed.length})`,
        "keep exactly one result class for this outcome",
      );
    }
    if (kind.success_outcomes.includes(outcome) && !allowed.includes("success")) {
      issues.error(
        "stage_kind_success_class",
        where,
        `${subject} outcome ${outcome}`,
        "a success outcome must allow the success result class",
        "map it to success or remove it from success_outcomes",
      );
    }
    if (kind.failure_outcomes.includes(outcome) && allowed.includes("success")) {
      issues.error(
        "stage_kind_failure_class",
        where,
        `${subject} outcome ${outcome}`,
        "a failure outcome must not allow the success result class",
        "map it to a failure class or remove it from failure_outcomes",
      );
    }
  }
}

/** The rules every stage kind follows, built-in or custom (decision 8). */
function checkOutcomeRules(kind: StageKind, file: AssetFile, issues: IssueList): void {
  const where = file.displayPath;
  const subject = `stage kind ${kind.stage_kind_id}`;
  const legal = new Set(kind.legal_outcomes);
  if (legal.size !== kind.legal_outcomes.length) {
    issues.error(
      "stage_kind_duplicate_outcome",
      where,
      subject,
      "legal_outcomes lists an outcome twice",
      "list each outcome once",
    );
  }
  if (!legal.has(BLOCKED_OUTCOME)) {
    issues.error(
      "stage_kind_missing_blocked",
      where,
      subject,
      "legal_outcomes does not include BLOCKED",
      "add BLOCKED: every stage must be able to stop blocked",
    );
  }
  for (const [field, list] of [
    ["success_outcomes", kind.success_outcomes],
    ["failure_outcomes", kind.failure_outcomes],
  ] as const) {
    for (const outcome of list) {
      if (!legal.has(outcome)) {
        issues.error(
          "stage_kind_outcome_not_legal",
          where,
          `${subject} ${field}`,
          `${outcome} is not in legal_outcomes`,
          `add ${outcome} to legal_outcomes or remove it from ${field}`,
        );
      }
    }
  }
  checkResultClasses(kind, where, subject, issues);
  for (const outcome of Object.keys(kind.allowed_result_classes_by_outcome)) {
    if (!legal.has(outcome)) {
      issues.error(
        "stage_kind_class_for_unknown_outcome",
        where,
        `${subject} outcome ${outcome}`,
        "allowed_result_classes_by_outcome names an outcome that is not legal",
        `remove it or add ${outcome} to legal_outcomes`,
      );
    }
  }
}

/** Built-in kinds must agree with the legality table in @millrace/contracts, field for field. */
function checkAgainstLegality(kind: StageKind, file: AssetFile, issues: IssueList): void {
  const table = stageLegality(kind.stage_kind_id);
  if (!table) return;
  const where = file.displayPath;
  const subject = `stage kind ${kind.stage_kind_id}`;
  const fix = "restore the built-in definition (`millrace upgrade`) or give the custom kind its own id";
  const differs = (message: string, about = subject) =>
    issues.error("stage_kind_legality", where, about, message, fix);
  if (kind.plane !== table.plane) {
    differs(`plane is ${kind.plane}, the legality table says ${table.plane}`);
  }
  const runtimeStage = kind.runtime_stage ?? kind.stage_kind_id;
  if (runtimeStage !== table.runtimeStage) {
    differs(`runtime_stage is ${runtimeStage}, the legality table says ${table.runtimeStage}`);
  }
  const expectedMarker = `### ${kind.stage_kind_id.toUpperCase()}_RUNNING`;
  if (kind.running_status_marker !== expectedMarker) {
    differs(`running_status_marker is ${kind.running_status_marker}, expected ${expectedMarker}`);
  }
  const outcomes = Object.keys(table.outcomes);
  if (!sameList([...kind.legal_outcomes].sort(), [...outcomes].sort())) {
    differs(
      `legal_outcomes [${kind.legal_outcomes.join(", ")}] differ from the legality table [${outcomes.join(", ")}]`,
    );
    return;
  }
  for (const outcome of outcomes) {
    const expected = [...(table.outcomes[outcome] ?? [])].sort();
    const actual = [...(kind.allowed_result_classes_by_outcome[outcome] ?? [])].sort();
    if (!sameList(expected, actual)) {
      differs(
        `result classes [${actual.join(", ")}] differ from the legality table [${expected.join(", ")}]`,
        `${subject} outcome ${outcome}`,
      );
    }
  }
}

/**
 * Loads every stage kind under `registry/stage_kinds/<plane>/<id>.json` (workspace over packaged):
 * the built-in ones are checked against the legality table, custom ones against the same rules.
 */
export function loadStageKinds(source: AssetSource, issues: IssueList): Map<string, LoadedStageKind> {
  const kinds = new Map<string, LoadedStageKind>();
  for (const file of source.list(STAGE_KINDS_DIR)) {
    const kind = parseAsset(source, file, StageKindSchema, issues, "stage kind");
    if (!kind) continue;
    const expectedRel = `${STAGE_KINDS_DIR}/${kind.plane}/${kind.stage_kind_id}.json`;
    if (file.rel !== expectedRel) {
      issues.error(
        "stage_kind_location",
        file.displayPath,
        `stage kind ${kind.stage_kind_id}`,
        `a ${kind.plane} stage kind with this id belongs at ${expectedRel}`,
        `move the file to ${expectedRel} or fix stage_kind_id / plane`,
      );
      continue;
    }
    checkOutcomeRules(kind, file, issues);
    const builtin = stageLegality(kind.stage_kind_id) !== undefined;
    if (builtin) checkAgainstLegality(kind, file, issues);
    else if (!/^### [A-Z][A-Z0-9_]*_RUNNING$/.test(kind.running_status_marker)) {
      issues.error(
        "stage_kind_running_marker",
        file.displayPath,
        `stage kind ${kind.stage_kind_id}`,
        `running_status_marker ${kind.running_status_marker} does not end in _RUNNING`,
        `use ### ${kind.stage_kind_id.toUpperCase()}_RUNNING`,
      );
    }
    // Kept even when a rule failed (already reported), so graphs using it do not cascade errors.
    kinds.set(kind.stage_kind_id, {
      kind,
      file,
      builtin,
      runtimeStage: kind.runtime_stage ?? kind.stage_kind_id,
    });
  }
  return kinds;
}
