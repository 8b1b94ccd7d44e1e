import { explainUnsafeId, MillraceError } from "@millrace/contracts";

/** Validates an id from the command line or a document before it touches a path (exit 2). */
export function assertSafeId(id: string, what = "id"): string {
  const problem = explainUnsafeId(id);
  if (problem) {
    throw new MillraceError("invalid_id", `invalid ${what} ${JSON.stringify(id)}: ${problem}`, {
      details: { id },
    });
  }
  return id;
}
