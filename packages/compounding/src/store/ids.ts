import { explainUnsafeId, MillraceError } from "@millrace/contracts";

/** Refuses an id that would not be safe as a file name (DESIGN decision 11), naming what it is. */
export function requireSafeId(value: string, what: string): string {
  const problem = explainUnsafeId(value);
  if (problem !== undefined) {
    throw new MillraceError("invalid_id", `${what} ${JSON.stringify(value)} is not a safe id: ${problem}`);
  }
  return value;
}

/** The workspace-scope id a run-scope procedure is flushed to: `proc.run.X` → `proc.workspace.X`. */
export function workspaceProcedureId(runProcedureId: string): string {
  return runProcedureId.startsWith("proc.run.")
    ? `proc.workspace.${runProcedureId.slice("proc.run.".length)}`
    : `proc.workspace.${runProcedureId}`;
}
