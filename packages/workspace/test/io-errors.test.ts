import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  IO_ERRNO_CODES,
  ioErrorToMillraceError,
  MillraceError,
  withIoErrorsReported,
} from "@millrace/contracts";
import { afterAll, describe, expect, it } from "vitest";
import { appendRuntimeEvent, initWorkspace, workspacePaths, writeJsonAtomicSync } from "../src/index.js";
import { hashTree, tempDir } from "./helpers.js";

/**
 * A real read-only folder. `chmod` does not stop root, so the folder is bind-mounted read-only
 * over itself; where that is impossible (not root, no `mount`), the tests that need it are skipped.
 */
function readOnlyMount(): { root: string; unmount: () => void } | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  const root = tempDir("millrace-ro-");
  initWorkspace(root);
  try {
    execFileSync("mount", ["--bind", root, root], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  const unmount = () => {
    try {
      execFileSync("umount", [root], { stdio: "ignore" });
    } catch {}
  };
  try {
    execFileSync("mount", ["-o", "remount,ro,bind", root], { stdio: "ignore" });
    writeFileSync(path.join(root, "probe"), "x");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EROFS") return { root, unmount };
  }
  unmount();
  return undefined;
}

const mounted = readOnlyMount();
afterAll(() => mounted?.unmount());

function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("unexpected I/O errors on real file systems", () => {
  it.skipIf(mounted === undefined)(
    "a read-only workspace: each write fails as workspace_read_only naming the file, and nothing changes",
    () => {
      const root = mounted?.root as string;
      const paths = workspacePaths(root);
      const before = hashTree(root);
      const snapshotError = thrownBy(() => writeJsonAtomicSync(paths.snapshot, { a: 1 }));
      expect((snapshotError as NodeJS.ErrnoException).code).toBe("EROFS");
      const mapped = ioErrorToMillraceError(snapshotError);
      expect(mapped).toBeInstanceOf(MillraceError);
      expect(mapped?.code).toBe("workspace_read_only");
      expect(mapped?.exitStatus).toBe(1);
      expect(mapped?.message).toMatch(
        /^cannot write .*state.*: the file system is read-only \(EROFS in open\)$/,
      );
      expect(mapped?.hint).toMatch(/read-write/);
      expect(() =>
        withIoErrorsReported(() =>
          appendRuntimeEvent(paths.runtimeEvents, { event_type: "runtime_tick_idle", data: {} }),
        ),
      ).toThrow(expect.objectContaining({ code: "workspace_read_only" }));
      expect(hashTree(root)).toBe(before);
    },
  );

  it.runIf(process.platform === "linux")("a device that fails a write is an I/O error, not a bug", () => {
    // /proc/version refuses writes, with an errno that depends on the machine: EIO for root on a
    // VM, EACCES for anyone else, EROFS in a container whose /proc is mounted read-only. Each of
    // those is the operator's to fix, so each maps to a MillraceError that names the errno.
    const error = thrownBy(() => writeFileSync("/proc/version", "x"));
    const errno = (error as NodeJS.ErrnoException).code ?? "";
    expect(Object.keys(IO_ERRNO_CODES)).toContain(errno);
    const mapped = ioErrorToMillraceError(error);
    expect(mapped).toBeInstanceOf(MillraceError);
    expect(mapped?.code).toBe(IO_ERRNO_CODES[errno]);
    expect(mapped?.message).toContain(`(${errno} in `);
  });

  it("a folder that is not one is left to the caller (not an I/O failure of the disk)", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "file"), "x");
    const error = thrownBy(() => mkdirSync(path.join(dir, "file", "sub")));
    expect(ioErrorToMillraceError(error)).toBeUndefined();
  });
});
