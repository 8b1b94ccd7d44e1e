import { type CliIO, reportError } from "./io.js";

/**
 * Reports a failure. A system error from the file system (read-only workspace, full disk, denied
 * permission, EIO, too many open files) becomes its named MillraceError with a hint instead of an
 * "internal error"; contracts is loaded only on this path, so the cold start stays light.
 */
export async function reportFailure(io: CliIO, error: unknown, json: boolean): Promise<number> {
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof errno === "string" && /^E[A-Z]+$/.test(errno)) {
    const { toReportableError } = await import("@millrace/contracts");
    return reportError(io, toReportableError(error), json);
  }
  return reportError(io, error, json);
}
