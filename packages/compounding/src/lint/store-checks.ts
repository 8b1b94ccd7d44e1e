import path from "node:path";
import type { CompoundingLintIssue } from "@millrace/contracts";
import { toWorkspaceRelative } from "@millrace/workspace";
import { factStatus, latestLifecycle, procedureStatus } from "../lifecycle/status.js";
import type { UnloadableFile } from "../store/read-json.js";
import type { CompoundingSnapshot } from "../store/snapshot.js";

export type Issue = CompoundingLintIssue;

export function fail(
  family: string,
  check: string,
  id: string,
  message: string,
  ref: string | null,
  related: string[] = [],
): Issue {
  return {
    issue_id: `${family}.${check}.${id}`,
    severity: "fail",
    family,
    message,
    artifact_ref: ref,
    related_refs: related,
  };
}

export function warn(family: string, check: string, id: string, message: string, ref: string | null): Issue {
  return {
    issue_id: `${family}.${check}.${id}`,
    severity: "warn",
    family,
    message,
    artifact_ref: ref,
    related_refs: [],
  };
}

export function unloadableIssues(
  snapshot: CompoundingSnapshot,
  problems: readonly UnloadableFile[],
): Issue[] {
  return problems.map((problem) =>
    fail(
      problem.family,
      "unloadable",
      path.basename(problem.file, ".json"),
      `cannot load ${path.basename(problem.file)}: ${problem.reason}`,
      toWorkspaceRelative(snapshot.workspacePaths, problem.file),
    ),
  );
}

/** Duplicate ids and files whose location disagrees with their scope or id. */
export function placementIssues(snapshot: CompoundingSnapshot): Issue[] {
  const issues: Issue[] = [];
  const rel = (file: string) => toWorkspaceRelative(snapshot.workspacePaths, file);
  const items = [
    ...snapshot.procedures.map(({ value, file }) => ({
      family: "procedure",
      id: value.procedure_id,
      scope: value.scope,
      run: value.source_run_id,
      file,
      top: snapshot.paths.procedures,
    })),
    ...snapshot.facts.map(({ value, file }) => ({
      family: "fact",
      id: value.fact_id,
      scope: value.scope,
      run: value.source_run_id,
      file,
      top: snapshot.paths.contextFacts,
    })),
  ];
  const seen = new Map<string, string>();
  for (const item of items) {
    const key = `${item.family}:${item.id}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push(
        fail(
          item.family,
          "duplicate_id",
          item.id,
          `${item.id} is defined twice (${first} and ${rel(item.file)}); the first one is used`,
          rel(item.file),
          [first],
        ),
      );
      continue;
    }
    seen.set(key, rel(item.file));
    const folder = path.dirname(item.file);
    const placed =
      item.scope === "workspace"
        ? folder === item.top && path.basename(item.file) === `${item.id}.json`
        : folder === path.join(item.top, item.run);
    if (!placed) {
      issues.push(
        fail(
          item.family,
          "misplaced",
          item.id,
          `${item.id} (${item.scope} scope) is stored at ${rel(item.file)}, not where its scope and id put it`,
          rel(item.file),
        ),
      );
    }
  }
  const records = new Map<string, string>();
  for (const { value, file } of snapshot.lifecycle) {
    const first = records.get(value.record_id);
    if (first !== undefined)
      issues.push(
        fail(
          "lifecycle",
          "duplicate_id",
          value.record_id,
          `lifecycle record ${value.record_id} is defined twice`,
          rel(file),
          [first],
        ),
      );
    else records.set(value.record_id, rel(file));
  }
  return issues;
}

/** Pending review, missing supersedes targets, orphaned lifecycle records, missing replacements. */
export function referenceIssues(snapshot: CompoundingSnapshot): Issue[] {
  const issues: Issue[] = [];
  const rel = (file: string) => toWorkspaceRelative(snapshot.workspacePaths, file);
  const latest = latestLifecycle(snapshot.lifecycle.map((entry) => entry.value));
  const workspaceProcedures = new Set(
    snapshot.procedures.filter((p) => p.value.scope === "workspace").map((p) => p.value.procedure_id),
  );
  const allProcedures = new Set(snapshot.procedures.map((p) => p.value.procedure_id));
  const workspaceFacts = new Set(
    snapshot.facts.filter((f) => f.value.scope === "workspace").map((f) => f.value.fact_id),
  );
  const allFacts = new Set(snapshot.facts.map((f) => f.value.fact_id));
  const reviewAndSupersedes = (
    family: "procedure" | "fact",
    id: string,
    stale: boolean,
    supersedes: string | null | undefined,
    known: ReadonlySet<string>,
    file: string,
  ) => {
    if (stale) {
      issues.push(
        warn(family, "pending_review", id, `${id} awaits review: it is withheld until promoted`, rel(file)),
      );
    }
    if (supersedes && !known.has(supersedes)) {
      issues.push(
        fail(
          family,
          "supersedes_missing",
          id,
          `${id} supersedes ${supersedes}, which does not exist`,
          rel(file),
          [supersedes],
        ),
      );
    }
  };
  for (const { value, file } of snapshot.procedures) {
    const stale = value.scope === "workspace" && procedureStatus(value, latest) === "stale";
    reviewAndSupersedes(
      "procedure",
      value.procedure_id,
      stale,
      value.supersedes_procedure_id,
      allProcedures,
      file,
    );
  }
  for (const { value, file } of snapshot.facts) {
    const stale = value.scope === "workspace" && factStatus(value, latest) === "stale";
    reviewAndSupersedes("fact", value.fact_id, stale, value.supersedes_fact_id, allFacts, file);
  }
  for (const { value, file } of snapshot.lifecycle) {
    const isProcedure = value.procedure_id !== null;
    const target = value.procedure_id ?? value.fact_id ?? "";
    const known = isProcedure ? workspaceProcedures : workspaceFacts;
    if (!known.has(target)) {
      issues.push(
        fail(
          "lifecycle",
          "orphaned",
          value.record_id,
          `lifecycle record ${value.record_id} governs ${target}, which is not a workspace ${isProcedure ? "procedure" : "fact"}`,
          rel(file),
          [target],
        ),
      );
    }
    const replacement = value.replacement_procedure_id;
    if (replacement && !known.has(replacement)) {
      issues.push(
        fail(
          "lifecycle",
          "replacement_missing",
          value.record_id,
          `lifecycle record ${value.record_id} names the replacement ${replacement}, which does not exist`,
          rel(file),
          [replacement],
        ),
      );
    }
  }
  return issues;
}
