import type { GitIdentity } from "../process/git-env.js";
import type { GitRunner } from "../process/run-git.js";

/**
 * Stages everything in a working tree (`git add -A`) and commits it. Returns false when nothing
 * was staged. Hooks configured in the repository run as usual.
 */
export async function commitAllChanges(
  git: GitRunner,
  cwd: string,
  message: string,
  identity?: GitIdentity,
): Promise<boolean> {
  await git.run(["add", "-A"], { cwd });
  const staged = await git.run(["diff", "--cached", "--quiet"], { cwd, okExitCodes: [1] });
  if (staged.exitCode === 0) return false;
  await git.run(["commit", "--quiet", "--no-edit", "-m", message], { cwd, identity });
  return true;
}

/** Paths with uncommitted changes (staged, unstaged or untracked) in a working tree. */
export async function uncommittedPaths(git: GitRunner, cwd: string): Promise<string[]> {
  const result = await git.run(
    ["--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=all"],
    { cwd },
  );
  return parseStatusZ(result.stdout);
}

/** `status --porcelain=v1 -z`: `XY path\0`, and for renames and copies a second `orig\0` field. */
export function parseStatusZ(output: string): string[] {
  const fields = output.split("\0");
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i += 1) {
    const field = fields[i] ?? "";
    if (field.length < 4) continue;
    const status = field.slice(0, 2);
    paths.push(field.slice(3));
    if (status.includes("R") || status.includes("C")) {
      const original = fields[i + 1];
      if (original) paths.push(original);
      i += 1;
    }
  }
  return paths;
}
