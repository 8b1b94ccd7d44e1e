import { type ErrorCode, MillraceError } from "./errors.js";

/**
 * Unexpected I/O failures (a read-only mount, a full disk) are the operator's to fix, not bugs.
 * This maps a Node errno error to the MillraceError that says so, with the file and what to do;
 * anything it does not recognise is left alone, so real bugs still read as bugs.
 */
export const IO_ERRNO_CODES: Readonly<Record<string, ErrorCode>> = {
  EROFS: "workspace_read_only",
  ENOSPC: "disk_full",
  EDQUOT: "disk_full",
  EACCES: "permission_denied",
  EPERM: "permission_denied",
  EIO: "io_error",
  EMFILE: "too_many_open_files",
  ENFILE: "too_many_open_files",
};

const ERRNO_WORDS: Readonly<Record<string, string>> = {
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is used up",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EIO: "input/output error",
  EMFILE: "too many open files in this process",
  ENFILE: "too many open files in the system",
};

// Syscalls that only read; every other one (open for writing, mkdir, rename, link, ...) writes.
const READ_SYSCALLS = new Set(["read", "stat", "lstat", "fstat", "scandir", "readlink", "access", "opendir"]);

interface ErrnoLike {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
  message?: string;
}

function asErrno(value: unknown): ErrnoLike | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const code = (value as { code?: unknown }).code;
  return typeof code === "string" && code in IO_ERRNO_CODES ? (value as ErrnoLike) : undefined;
}

/** The errno error behind `error`: itself, or the first one along its `cause` chain. */
function findErrno(error: unknown): ErrnoLike | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const found = asErrno(current);
    if (found) return found;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

// Atomic writes go through `.<name>.tmp-<hex>` beside their target (@millrace/workspace); the
// operator knows the target, so name that.
function withoutTempName(file: string): string {
  const slash = file.lastIndexOf("/");
  const match = /^\.(.+)\.tmp-[0-9a-f]{8,32}$/.exec(file.slice(slash + 1));
  return match ? `${file.slice(0, slash + 1)}${match[1]}` : file;
}

/**
 * The MillraceError for a Node errno error (or an error caused by one) whose code is in
 * IO_ERRNO_CODES; undefined for anything else, a MillraceError included.
 */
export function ioErrorToMillraceError(error: unknown): MillraceError | undefined {
  if (MillraceError.isInstance(error)) return undefined;
  const errno = findErrno(error);
  if (!errno) return undefined;
  const code = IO_ERRNO_CODES[errno.code] as ErrorCode;
  const syscall = typeof errno.syscall === "string" ? errno.syscall : undefined;
  const target = typeof errno.path === "string" ? withoutTempName(errno.path) : undefined;
  const verb = syscall && READ_SYSCALLS.has(syscall) ? "read" : "write";
  const what = target ? `cannot ${verb} ${target}` : `a file ${verb} failed`;
  const how = syscall ? ` (${errno.code} in ${syscall})` : ` (${errno.code})`;
  return new MillraceError(code, `${what}: ${ERRNO_WORDS[errno.code]}${how}`, {
    cause: error,
    details: {
      errno: errno.code,
      ...(syscall ? { syscall } : {}),
      ...(target ? { path: target } : {}),
      ...(typeof errno.dest === "string" ? { dest: errno.dest } : {}),
    },
  });
}

/**
 * What a top level should report for a thrown value: a MillraceError as it is, an unexpected I/O
 * error as its MillraceError, anything else unchanged (a bug, to be reported as one).
 */
export function toReportableError(error: unknown): unknown {
  return ioErrorToMillraceError(error) ?? error;
}

/**
 * Runs `work` (sync or async) and rethrows what it throws through toReportableError, so a
 * read-only or full disk surfaces as a MillraceError with a hint instead of an internal error.
 */
export function withIoErrorsReported<T>(work: () => T): T {
  let result: T;
  try {
    result = work();
  } catch (error) {
    throw toReportableError(error);
  }
  if (result instanceof Promise) {
    return result.catch((error: unknown) => {
      throw toReportableError(error);
    }) as T;
  }
  return result;
}
