import { type CompoundingLintReport, formatTimestamp } from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import type { UnloadableFile } from "../store/read-json.js";
import { loadCompoundingSnapshot } from "../store/snapshot.js";
import { loadUsageFiles } from "../usage/usage-store.js";
import { indexIssues } from "./index-checks.js";
import { placementIssues, referenceIssues, unloadableIssues } from "./store-checks.js";

export interface LintOptions {
  readonly now?: Date;
}

/**
 * Checks the compounding stores and indexes (also the doctor's `compounding.integrity` group).
 * Never throws on bad content: every problem is an issue with a stable `<family>.<check>.<id>` id.
 */
export function lintCompounding(paths: WorkspacePaths, options: LintOptions = {}): CompoundingLintReport {
  const snapshot = loadCompoundingSnapshot(paths);
  const usageProblems: UnloadableFile[] = [];
  const usage = loadUsageFiles(paths, usageProblems);
  const indexes = indexIssues(snapshot);
  const issues = [
    ...unloadableIssues(snapshot, [...snapshot.problems, ...usageProblems]),
    ...placementIssues(snapshot),
    ...referenceIssues(snapshot),
    ...indexes.issues,
  ].sort((a, b) => (a.issue_id < b.issue_id ? -1 : a.issue_id > b.issue_id ? 1 : 0));
  const failures = issues.filter((issue) => issue.severity === "fail").length;
  const warnings = issues.length - failures;
  const status = failures > 0 ? "fail" : warnings > 0 ? "warn" : "pass";
  return {
    generated_at: formatTimestamp(options.now ?? new Date()),
    status,
    summary:
      issues.length === 0
        ? "the compounding stores are consistent"
        : `${failures} failure(s) and ${warnings} warning(s) in the compounding stores`,
    checked_counts: {
      procedures: snapshot.procedures.length,
      context_facts: snapshot.facts.length,
      lifecycle_records: snapshot.lifecycle.length,
      usage_files: usage.length,
      index_entries: indexes.entryCount,
      relationship_clusters: indexes.clusterCount,
    },
    issue_count: issues.length,
    warning_count: warnings,
    failure_count: failures,
    orientation_index_present: indexes.indexPresent,
    relationship_summary_present: indexes.relationshipsPresent,
    issues,
  };
}
