// Merge cost per landing with real git: for each of 30 items, create its lane (branch + worktree
// from HEAD), write a file in the worktree, land it (commit the uncommitted work, merge into the
// workspace branch) and remove the lane. Every other landing is made to need a merge commit (the
// workspace branch moves first), so both fast-forwards and merge commits are in the median.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { LaneWorktrees } from "@millrace/git";
import { median, report } from "../lib.mjs";

const LANDINGS = 30;
const AUTHOR = { name: "Millrace Bench", email: "bench@example.invalid" };

const root = mkdtempSync(path.join(os.tmpdir(), "millrace-bench-git-"));
const git = (cwd, ...args) =>
  execFileSync("git", args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: root, LC_ALL: "C" },
    encoding: "utf8",
  });
try {
  const repo = path.join(root, "work");
  git(root, "init", "--quiet", "--initial-branch=main", repo);
  git(repo, "config", "user.name", AUTHOR.name);
  git(repo, "config", "user.email", AUTHOR.email);
  for (let i = 0; i < 50; i += 1) writeFileSync(path.join(repo, `file-${i}.txt`), `line ${i}\n`);
  git(repo, "add", "-A");
  git(repo, "commit", "--quiet", "-m", "initial");

  const lanes = await LaneWorktrees.open({
    repoRoot: repo,
    recordsDir: path.join(root, "records"),
    home: root,
  });
  const phases = { create: [], land: [], remove: [], total: [] };
  const outcomes = {};
  for (let i = 0; i < LANDINGS; i += 1) {
    const id = `task-${i}`;
    const t0 = performance.now();
    const { worktree_path: wt } = await lanes.create(id);
    const t1 = performance.now();
    writeFileSync(path.join(wt, `out-${i}.txt`), `result ${i}\n`);
    if (i % 2 === 1) {
      // The workspace branch moves while the lane works: this landing needs a merge commit.
      writeFileSync(path.join(repo, `main-${i}.txt`), `main ${i}\n`);
      git(repo, "add", "-A");
      git(repo, "commit", "--quiet", "-m", `main ${i}`);
    }
    const t2 = performance.now();
    const result = await lanes.land(id, { author: AUTHOR, commitMessage: `${id}: result` });
    const t3 = performance.now();
    await lanes.remove(id);
    const t4 = performance.now();
    outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
    phases.create.push(t1 - t0);
    phases.land.push(t3 - t2);
    phases.remove.push(t4 - t3);
    phases.total.push(t1 - t0 + (t4 - t2));
  }
  report(`landing, median over ${LANDINGS} (create + land + remove)`, median(phases.total));
  report("  create lane (branch + worktree), median", median(phases.create));
  report("  land (commit worktree + merge), median", median(phases.land));
  report("  remove lane (worktree + branch), median", median(phases.remove));
  console.log(`outcomes: ${JSON.stringify(outcomes)}`);
  const merges = Number(git(repo, "rev-list", "--merges", "--count", "HEAD").trim());
  const leftovers = git(repo, "branch", "--list", "millrace/*").trim();
  if (
    outcomes.fast_forward + outcomes.merge_commit !== LANDINGS ||
    merges !== outcomes.merge_commit ||
    leftovers
  ) {
    console.error(`landing check failed: merges=${merges} leftovers=${JSON.stringify(leftovers)}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
