import { lintCompounding, listSkills } from "@millrace/compounding";
import type { FullDoctorCheck } from "@millrace/contracts";
import { toWorkspaceRelative, type WorkspacePaths } from "@millrace/workspace";
import { DOCTOR_CHECK_CODES, type DoctorCheckCode } from "./codes.js";

function check(code: DoctorCheckCode, message: string, file: string | null = null): FullDoctorCheck {
  const entry = DOCTOR_CHECK_CODES[code];
  return {
    code,
    group: "compounding",
    status: entry.status,
    path: file,
    message,
    hint: entry.status === "ok" ? null : entry.action,
  };
}

/** At most this many issue ids are named in one check's message. */
const NAMED_ISSUES = 5;

function integrityCheck(paths: WorkspacePaths): FullDoctorCheck {
  const report = lintCompounding(paths);
  const counts = report.checked_counts;
  if (report.status === "pass") {
    return check(
      "compounding_integrity",
      `${counts.procedures ?? 0} procedure(s), ${counts.context_facts ?? 0} fact(s), ${counts.lifecycle_records ?? 0} lifecycle record(s): consistent`,
    );
  }
  const severity = report.status === "fail" ? "fail" : "warn";
  const named = report.issues.filter((issue) => issue.severity === severity).map((issue) => issue.issue_id);
  const more = named.length > NAMED_ISSUES ? `, and ${named.length - NAMED_ISSUES} more` : "";
  return check(
    report.status === "fail" ? "compounding_integrity_failed" : "compounding_integrity_warning",
    `${report.summary}: ${named.slice(0, NAMED_ISSUES).join(", ")}${more}`,
  );
}

function skillsChecks(paths: WorkspacePaths): FullDoctorCheck[] {
  const manifest = toWorkspaceRelative(paths, paths.installedSkills);
  let skills: ReturnType<typeof listSkills>;
  try {
    skills = listSkills(paths);
  } catch (error) {
    return [check("skills_manifest_invalid", (error as Error).message, manifest)];
  }
  const changed = skills.filter((skill) => skill.status !== "ok");
  if (changed.length === 0) {
    return [check("skills_installed", `${skills.length} installed skill(s) as installed`, manifest)];
  }
  return changed.map((skill) =>
    check(
      "skills_modified",
      `installed skill ${skill.name} is ${skill.status === "missing" ? "missing its folder" : "changed since it was installed"}`,
      skill.relative_path,
    ),
  );
}

/**
 * Governed compounding: the stores' integrity (the `compounding lint` report as a health check)
 * and whether the installed skills are still as installed. Read-only.
 */
export function compoundingChecks(paths: WorkspacePaths): FullDoctorCheck[] {
  return [integrityCheck(paths), ...skillsChecks(paths)];
}
