import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

/**
 * A workspace on a read-only file system: the CLI names the problem and its fix (exit 1) instead of
 * printing "internal error … report this as a bug". `chmod` does not stop root, so the workspace is
 * bind-mounted read-only over itself; where that is not possible the test is skipped.
 */
function readOnlyWorkspace(): { root: string; unmount: () => void } | undefined {
  const root = path.join(tempDir(), "ws");
  if (runCli(["init", root]).status !== 0) return undefined;
  try {
    execFileSync("mount", ["--bind", root, root], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  const unmount = () => execFileSync("umount", [root], { stdio: "ignore" });
  try {
    execFileSync("mount", ["-o", "remount,ro,bind", root], { stdio: "ignore" });
    writeFileSync(path.join(root, "probe"), "x");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EROFS") return { root, unmount };
  }
  unmount();
  return undefined;
}

const mounted = readOnlyWorkspace();

describe.skipIf(mounted === undefined)("I/O errors reach the operator as such", () => {
  it("add-task on a read-only workspace: workspace_read_only with a hint, text and JSON", () => {
    if (!mounted) return;
    try {
      const text = runCli(["add-task", "Fix it", "--workspace", mounted.root]);
      expect(text.status).toBe(1);
      expect(text.stderr).toMatch(/^error: cannot write .+: the file system is read-only/);
      expect(text.stderr).toContain("hint: Remount the workspace read-write");
      expect(text.stderr).not.toContain("internal error");
      const json = runCli(["add-task", "Fix it", "--workspace", mounted.root, "--json"]);
      expect(json.status).toBe(1);
      expect(json.json<{ error: { code: string } }>().error.code).toBe("workspace_read_only");
    } finally {
      mounted.unmount();
    }
  });
});
