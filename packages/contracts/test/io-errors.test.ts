import { describe, expect, it } from "vitest";
import {
  ERROR_CODES,
  IO_ERRNO_CODES,
  ioErrorToMillraceError,
  MillraceError,
  toReportableError,
  withIoErrorsReported,
} from "../src/index.js";

function errno(code: string, syscall?: string, file?: string): NodeJS.ErrnoException {
  const error = new Error(`${code}: ${syscall ?? "?"} '${file ?? ""}'`) as NodeJS.ErrnoException;
  error.code = code;
  if (syscall) error.syscall = syscall;
  if (file) error.path = file;
  return error;
}

describe("unexpected I/O errors", () => {
  it("maps each errno to a catalogued code with exit 1, the file and a hint", () => {
    const expected: Record<string, string> = {
      EROFS: "workspace_read_only",
      ENOSPC: "disk_full",
      EDQUOT: "disk_full",
      EACCES: "permission_denied",
      EPERM: "permission_denied",
      EIO: "io_error",
      EMFILE: "too_many_open_files",
      ENFILE: "too_many_open_files",
    };
    expect(IO_ERRNO_CODES).toEqual(expected);
    for (const [code, millraceCode] of Object.entries(expected)) {
      const mapped = ioErrorToMillraceError(errno(code, "open", "/w/millrace-agents/tasks/queue/t.md"));
      expect(mapped?.code, code).toBe(millraceCode);
      expect(mapped?.exitStatus).toBe(1);
      expect(mapped?.hint).toBe(ERROR_CODES[mapped?.code as keyof typeof ERROR_CODES].hint);
      expect(mapped?.message).toContain("/w/millrace-agents/tasks/queue/t.md");
      expect(mapped?.hint).not.toMatch(/report/i);
    }
  });

  it("says what failed in one line", () => {
    expect(ioErrorToMillraceError(errno("EROFS", "open", "/w/x.md"))?.message).toBe(
      "cannot write /w/x.md: the file system is read-only (EROFS in open)",
    );
    expect(ioErrorToMillraceError(errno("EACCES", "scandir", "/w/dir"))?.message).toBe(
      "cannot read /w/dir: permission denied (EACCES in scandir)",
    );
    expect(
      ioErrorToMillraceError(errno("ENOSPC", "open", "/w/tasks/queue/.task-a.md.tmp-235bebb808a5847b"))
        ?.message,
    ).toBe("cannot write /w/tasks/queue/task-a.md: no space left on the device (ENOSPC in open)");
    const bare = ioErrorToMillraceError(errno("ENOSPC"));
    expect(bare?.message).toBe("a file write failed: no space left on the device (ENOSPC)");
    expect(bare?.toJSON().error.details).toEqual({ errno: "ENOSPC" });
  });

  it("finds an errno error along a cause chain", () => {
    const wrapped = new Error("could not save", {
      cause: new Error("inner", { cause: errno("EIO", "write") }),
    });
    expect(ioErrorToMillraceError(wrapped)?.code).toBe("io_error");
  });

  it("leaves bugs, unknown errnos and MillraceErrors alone", () => {
    const bug = new TypeError("x is undefined");
    expect(ioErrorToMillraceError(bug)).toBeUndefined();
    expect(toReportableError(bug)).toBe(bug);
    const missing = errno("ENOENT", "open", "/nope");
    expect(toReportableError(missing)).toBe(missing);
    const ours = new MillraceError("workspace_locked", "owned");
    expect(toReportableError(ours)).toBe(ours);
    expect(ioErrorToMillraceError("EROFS")).toBeUndefined();
    expect(ioErrorToMillraceError(null)).toBeUndefined();
  });

  it("the wrapper rethrows sync and async failures as MillraceErrors and passes results through", async () => {
    expect(withIoErrorsReported(() => 7)).toBe(7);
    expect(() =>
      withIoErrorsReported(() => {
        throw errno("EROFS", "mkdir", "/w/a");
      }),
    ).toThrow(expect.objectContaining({ code: "workspace_read_only" }));
    await expect(withIoErrorsReported(async () => 8)).resolves.toBe(8);
    await expect(
      withIoErrorsReported(async () => {
        throw errno("EDQUOT", "write", "/w/b");
      }),
    ).rejects.toMatchObject({ code: "disk_full", details: { path: "/w/b", syscall: "write" } });
    const bug = new RangeError("boom");
    await expect(
      withIoErrorsReported(async () => {
        throw bug;
      }),
    ).rejects.toBe(bug);
  });
});
