import { findControlChar, type WorkDocument } from "@millrace/contracts";

/**
 * Work documents reach agent prompts and the operator's terminal, so their text must be plain:
 * a title is one line without any control character but tab; every other text field may hold
 * newlines, tabs and carriage returns, and nothing else from C0 or C1 (no ESC, no NUL).
 */
export interface ControlCharProblem {
  readonly field: string;
  readonly problem: string;
}

function problemIn(value: string, allowed: string, item?: number): string | undefined {
  const found = findControlChar(value, allowed);
  if (!found) return undefined;
  const where = item === undefined ? "" : `item ${item + 1}: `;
  return `${where}holds the control character ${found.name} at offset ${found.index}; work documents must be plain text`;
}

export function findDocumentControlChar(doc: WorkDocument): ControlCharProblem | undefined {
  for (const [field, value] of Object.entries(doc)) {
    const allowed = field === "title" ? "\t" : "\n\t\r";
    if (typeof value === "string") {
      const problem = problemIn(value, allowed);
      if (problem) return { field, problem };
    } else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) {
        const problem = typeof item === "string" ? problemIn(item, allowed, index) : undefined;
        if (problem) return { field, problem };
      }
    }
  }
  return undefined;
}
