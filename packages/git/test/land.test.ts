import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { landBranch } from "../src/index.js";
import { AUTHOR, commitFile, makeRepo, sandbox, write } from "./helpers.js";

function setup() {
  const box = sandbox();
  const repo = makeRepo(box);
  box.git(repo, "branch", "millrace/t1");
  return { box, repo };
}

async function landError(promise: Promise<unknown>): Promise<MillraceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!MillraceError.isInstance(error)) throw new Error(`expected a MillraceError, got ${String(error)}`);
  return error;
}

describe("landBranch", () => {
  it("fast-forwards when the workspace branch has not moved, then reports a retry as already landed", async () => {
    const { box, repo } = setup();
    box.git(repo, "checkout", "--quiet", "millrace/t1");
    const tip = commitFile(box, repo, "a.txt", "a\n");
    box.git(repo, "checkout", "--quiet", "main");
    const first = await landBranch({ ...box.options, repoRoot: repo, branch: "millrace/t1" });
    expect(first.outcome).toBe("fast_forward");
    expect(first.head_after).toBe(tip);
    expect(box.git(repo, "rev-parse", "HEAD")).toBe(tip);
    expect(readFileSync(path.join(repo, "a.txt"), "utf8")).toBe("a\n");
    const again = await landBranch({ ...box.options, repoRoot: repo, branch: "millrace/t1" });
    expect(again.outcome).toBe("already_landed");
    expect(again.head_after).toBe(tip);
    expect(box.git(repo, "rev-list", "--count", "HEAD")).toBe("2");
  });

  it("makes a merge commit when the branches diverged, and only once across retries", async () => {
    const { box, repo } = setup();
    box.git(repo, "checkout", "--quiet", "millrace/t1");
    commitFile(box, repo, "a.txt", "a\n");
    box.git(repo, "checkout", "--quiet", "main");
    commitFile(box, repo, "b.txt", "b\n");
    const result = await landBranch({
      ...box.options,
      repoRoot: repo,
      branch: "millrace/t1",
      author: AUTHOR,
    });
    expect(result.outcome).toBe("merge_commit");
    expect(box.git(repo, "log", "-1", "--format=%P").split(" ")).toHaveLength(2);
    expect(box.git(repo, "log", "-1", "--format=%an <%ae>|%s")).toBe(
      "Lane Bot <lanes@example.test>|Merge branch 'millrace/t1'",
    );
    const retry = await landBranch({ ...box.options, repoRoot: repo, branch: "millrace/t1", author: AUTHOR });
    expect(retry.outcome).toBe("already_landed");
    expect(box.git(repo, "rev-list", "--merges", "--count", "HEAD")).toBe("1");
  });

  it("always makes a merge commit with no-ff, with the given message", async () => {
    const { box, repo } = setup();
    box.git(repo, "checkout", "--quiet", "millrace/t1");
    commitFile(box, repo, "a.txt", "a\n");
    box.git(repo, "checkout", "--quiet", "main");
    const result = await landBranch({
      ...box.options,
      repoRoot: repo,
      branch: "millrace/t1",
      mode: "no-ff",
      mergeMessage: "Land t1",
    });
    expect(result.outcome).toBe("merge_commit");
    expect(box.git(repo, "log", "-1", "--format=%s")).toBe("Land t1");
  });

  it("reports not_fast_forward in ff-only mode and leaves the workspace branch alone", async () => {
    const { box, repo } = setup();
    box.git(repo, "checkout", "--quiet", "millrace/t1");
    commitFile(box, repo, "a.txt", "a\n");
    box.git(repo, "checkout", "--quiet", "main");
    const head = commitFile(box, repo, "b.txt", "b\n");
    const result = await landBranch({
      ...box.options,
      repoRoot: repo,
      branch: "millrace/t1",
      mode: "ff-only",
    });
    expect(result.outcome).toBe("not_fast_forward");
    expect(box.git(repo, "rev-parse", "HEAD")).toBe(head);
  });

  it("aborts a conflict cleanly and names the conflicting files", async () => {
    const { box, repo } = setup();
    box.git(repo, "checkout", "--quiet", "millrace/t1");
    commitFile(box, repo, "README.md", "from the lane\n");
    box.git(repo, "checkout", "--quiet", "main");
    const head = commitFile(box, repo, "README.md", "from main\n");
    const result = await landBranch({ ...box.options, repoRoot: repo, branch: "millrace/t1" });
    expect(result.outcome).toBe("conflict");
    expect(result.conflicts).toEqual(["README.md"]);
    expect(result.head_after).toBe(head);
    expect(box.git(repo, "rev-parse", "HEAD")).toBe(head);
    expect(box.git(repo, "status", "--porcelain")).toBe("");
    expect(existsSync(path.join(repo, ".git", "MERGE_HEAD"))).toBe(false);
    expect(readFileSync(path.join(repo, "README.md"), "utf8")).toBe("from main\n");
  });

  it("commits the worktree's uncommitted work first, with the given author and message", async () => {
    const { box, repo } = setup();
    const wt = path.join(box.root, "wt");
    box.git(repo, "worktree", "add", "--quiet", wt, "millrace/t1");
    write(path.join(wt, "new.txt"), "new\n");
    const result = await landBranch({
      ...box.options,
      repoRoot: repo,
      branch: "millrace/t1",
      worktreePath: wt,
      author: AUTHOR,
      commitMessage: "t1: agent work",
    });
    expect(result.outcome).toBe("fast_forward");
    expect(result.worktree_commit_sha).toBe(result.head_after);
    expect(box.git(repo, "log", "-1", "--format=%an|%cn|%s")).toBe("Lane Bot|Lane Bot|t1: agent work");
    expect(readFileSync(path.join(repo, "new.txt"), "utf8")).toBe("new\n");
  });

  it("recovers from its own merge left half-done by a crash", async () => {
    const { box, repo } = setup();
    box.git(repo, "checkout", "--quiet", "millrace/t1");
    commitFile(box, repo, "a.txt", "a\n");
    box.git(repo, "checkout", "--quiet", "main");
    const head = commitFile(box, repo, "b.txt", "b\n");
    // A merge stopped before its commit: MERGE_HEAD names our branch tip.
    box.git(repo, "merge", "--quiet", "--no-commit", "--no-ff", "millrace/t1");
    expect(existsSync(path.join(repo, ".git", "MERGE_HEAD"))).toBe(true);
    const result = await landBranch({ ...box.options, repoRoot: repo, branch: "millrace/t1" });
    expect(result.outcome).toBe("merge_commit");
    expect(result.head_before).toBe(head);
    expect(box.git(repo, "rev-list", "--merges", "--count", "HEAD")).toBe("1");
  });

  it("refuses a merge in progress that is not its own", async () => {
    const { box, repo } = setup();
    box.git(repo, "branch", "other");
    box.git(repo, "checkout", "--quiet", "other");
    commitFile(box, repo, "o.txt", "o\n");
    box.git(repo, "checkout", "--quiet", "main");
    commitFile(box, repo, "m.txt", "m\n");
    box.git(repo, "merge", "--quiet", "--no-commit", "--no-ff", "other");
    const error = await landError(landBranch({ ...box.options, repoRoot: repo, branch: "millrace/t1" }));
    expect(error.code).toBe("git_merge_in_progress");
    expect(error.exitStatus).toBe(3);
    expect(existsSync(path.join(repo, ".git", "MERGE_HEAD"))).toBe(true);
  });

  it("refuses to overwrite uncommitted workspace changes and names the files", async () => {
    const { box, repo } = setup();
    box.git(repo, "checkout", "--quiet", "millrace/t1");
    commitFile(box, repo, "README.md", "lane\n");
    box.git(repo, "checkout", "--quiet", "main");
    commitFile(box, repo, "other.txt", "x\n");
    write(path.join(repo, "README.md"), "local edit\n");
    const error = await landError(landBranch({ ...box.options, repoRoot: repo, branch: "millrace/t1" }));
    expect(error.code).toBe("land_blocked_by_local_changes");
    expect(error.details.files).toEqual(["README.md"]);
    expect(readFileSync(path.join(repo, "README.md"), "utf8")).toBe("local edit\n");
    expect(existsSync(path.join(repo, ".git", "MERGE_HEAD"))).toBe(false);
  });

  it("refuses a detached workspace HEAD, a missing branch and a folder without git", async () => {
    const { box, repo } = setup();
    const missing = await landError(landBranch({ ...box.options, repoRoot: repo, branch: "millrace/nope" }));
    expect(missing.code).toBe("git_command_failed");
    expect(missing.message).toContain("does not exist");
    box.git(repo, "checkout", "--quiet", "--detach");
    const detached = await landError(landBranch({ ...box.options, repoRoot: repo, branch: "millrace/t1" }));
    expect(detached.code).toBe("git_detached_head");
    const notRepo = await landError(
      landBranch({ ...box.options, repoRoot: box.home, branch: "millrace/t1" }),
    );
    expect(notRepo.code).toBe("git_not_a_repository");
  });

  it("says which identity is missing when a merge commit cannot be made", async () => {
    const { box, repo } = setup();
    box.git(repo, "config", "--unset", "user.name");
    box.git(repo, "config", "--unset", "user.email");
    box.git(repo, "config", "user.useConfigOnly", "true");
    box.git(repo, "checkout", "--quiet", "millrace/t1");
    commitFile(box, repo, "a.txt", "a\n");
    box.git(repo, "checkout", "--quiet", "main");
    const head = commitFile(box, repo, "b.txt", "b\n");
    const error = await landError(landBranch({ ...box.options, repoRoot: repo, branch: "millrace/t1" }));
    expect(error.code).toBe("git_identity_missing");
    expect(box.git(repo, "rev-parse", "HEAD")).toBe(head);
    expect(existsSync(path.join(repo, ".git", "MERGE_HEAD"))).toBe(false);
  });
});
