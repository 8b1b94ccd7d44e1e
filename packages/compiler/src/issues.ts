import type { CompileDiagnostic } from "@millrace/contracts";

export type Severity = "error" | "warning";
export type CompileIssue = CompileDiagnostic & { severity: Severity };

/** One line: `<file>: <subject>: <what is wrong> (fix: <what to do>)`; the file is omitted when there is none. */
export function formatIssue(issue: CompileIssue): string {
  const where = issue.path ? `${issue.path}: ` : "";
  const subject = issue.subject ? `${issue.subject}: ` : "";
  return `${where}${subject}${issue.message} (fix: ${issue.fix})`;
}

/** Collects every finding of one compile, so the user sees all of them at once. */
export class IssueList {
  readonly items: CompileIssue[] = [];

  error(code: string, path: string | null, subject: string | null, message: string, fix: string): void {
    this.items.push({ severity: "error", code, path, subject, message, fix });
  }

  warning(code: string, path: string | null, subject: string | null, message: string, fix: string): void {
    this.items.push({ severity: "warning", code, path, subject, message, fix });
  }

  get errorCount(): number {
    return this.items.filter((item) => item.severity === "error").length;
  }

  errors(): CompileIssue[] {
    return this.items.filter((item) => item.severity === "error");
  }

  warnings(): CompileIssue[] {
    return this.items.filter((item) => item.severity === "warning");
  }
}
