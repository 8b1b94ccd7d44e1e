import { MillraceError } from "@millrace/contracts";

/** A request the API refuses before reading anything (400): what was wrong, and what to send instead. */
export function usage(message: string, hint: string): MillraceError {
  return new MillraceError("usage_invalid_argument", message, { hint });
}
