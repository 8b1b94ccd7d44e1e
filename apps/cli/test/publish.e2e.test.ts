import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  PublishCommitResultSchema,
  PublishPreflightReportSchema,
  PublishSyncReportSchema,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

const IDENTITY = {
  GIT_AUTHOR_NAME: "Millrace Test",
  GIT_AUTHOR_EMAIL: "test@millrace.invalid",
  GIT_COMMITTER_NAME: "Millrace Test",
  GIT_COMMITTER_EMAIL: "test@millrace.invalid",
};

/** Runs git in a folder with a throwaway HOME (the test's own identity, no user config). */
function git(cwd: string, home: string, ...args: string[]): string {
  const run = spawnSync("git", args, {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: home, ...IDENTITY },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr}`);
  return run.stdout.trim();
}

interface Setup {
  root: string;
  staging: string;
  origin: string;
  home: string;
  env: NodeJS.ProcessEnv;
}

/** An initialized workspace with a manifest, a staging clone of a bare `origin`, and a git identity. */
function setup(): Setup {
  const base = tempDir("millrace-publish-");
  const home = path.join(base, "home");
  mkdirSync(home);
  writeFileSync(
    path.join(home, ".gitconfig"),
    "[user]\n\tname = Millrace Test\n\temail = test@millrace.invalid\n",
  );
  const root = path.join(base, "ws");
  expect(runCli(["init", root]).status).toBe(0);
  mkdirSync(path.join(root, "src"));
  writeFileSync(path.join(root, "src", "app.ts"), "export const app = 1;\n");
  writeFileSync(path.join(root, "README.md"), "# App\n");
  writeFileSync(
    path.join(root, "millrace-agents", "staging_manifest.yml"),
    "version: 1\npaths:\n  - src\n  - README.md\noptional_paths:\n  - CHANGELOG.md\n",
  );
  const origin = path.join(base, "origin.git");
  git(base, home, "init", "--bare", "--initial-branch=main", origin);
  const staging = path.join(root, "staging");
  git(base, home, "clone", origin, staging);
  git(staging, home, "checkout", "-B", "main");
  return { root, staging, origin, home, env: { HOME: home } };
}

function cli(s: Setup, args: string[]) {
  return runCli([...args, "-w", s.root], { env: s.env });
}

describe("millrace publish (real git, a bare repository as origin)", () => {
  it("sync copies the manifest's paths; preflight, commit and commit --push reach the remote", () => {
    const s = setup();
    const sync = cli(s, ["publish", "sync", "--json"]);
    expect(sync.status, sync.stderr).toBe(0);
    const report = PublishSyncReportSchema.parse(sync.json());
    expect(report.entries.map((e) => [e.path, e.action])).toEqual([
      ["src", "copied"],
      ["README.md", "copied"],
      ["CHANGELOG.md", "skipped_optional"],
    ]);
    expect(readFileSync(path.join(s.staging, "src", "app.ts"), "utf8")).toBe("export const app = 1;\n");

    const noPush = PublishPreflightReportSchema.parse(cli(s, ["publish", "preflight", "--json"]).json());
    expect(noPush).toMatchObject({
      status: "skip_publish",
      skip_reason: "push_disabled",
      commit_allowed: true,
    });
    const ready = cli(s, ["publish", "preflight", "--push"]);
    expect(ready.stdout).toContain("status: ready\n");
    expect(ready.stdout).toContain("changed: src/app.ts\n");

    const committed = PublishCommitResultSchema.parse(
      cli(s, ["publish", "commit", "--message", "First sync", "--json"]).json(),
    );
    expect(committed).toMatchObject({ status: "committed", marker: "SKIP_PUBLISH reason=push_disabled" });
    // Not pushed unless asked: the remote has no main branch yet.
    expect(spawnSync("git", ["--git-dir", s.origin, "rev-parse", "--verify", "main"]).status).not.toBe(0);

    const clean = PublishPreflightReportSchema.parse(
      cli(s, ["publish", "preflight", "--push", "--json"]).json(),
    );
    expect(clean).toMatchObject({ status: "no_changes", skip_reason: "no_changes" });
    const nothing = cli(s, ["publish", "commit", "--push"]);
    expect(nothing.status).toBe(0);
    expect(nothing.stdout).toContain("marker: NO_CHANGES\n");

    writeFileSync(path.join(s.root, "src", "app.ts"), "export const app = 2;\n");
    expect(cli(s, ["publish", "sync"]).status).toBe(0);
    const pushed = cli(s, ["publish", "commit", "--push", "--json"]);
    expect(pushed.status, pushed.stderr).toBe(0);
    const result = PublishCommitResultSchema.parse(pushed.json());
    expect(result).toMatchObject({ status: "pushed", marker: "PUSH_OK remote=origin branch=main" });
    expect(git(s.root, s.home, "--git-dir", s.origin, "rev-parse", "main")).toBe(result.commit_sha);
    expect(git(s.root, s.home, "--git-dir", s.origin, "log", "--format=%s", "main")).toBe(
      "Millrace staging sync\nFirst sync",
    );
  });

  it("preflight names every skip reason: missing/invalid worktree, missing origin, detached head", () => {
    const s = setup();
    const reason = (dir: string, extra: string[] = []) =>
      PublishPreflightReportSchema.parse(
        cli(s, ["publish", "preflight", "--push", "--staging-repo-dir", dir, "--json", ...extra]).json(),
      ).skip_reason;
    expect(reason(path.join(s.root, "nowhere"))).toBe("missing_git_worktree");
    const fake = path.join(s.root, "fake-repo");
    mkdirSync(path.join(fake, ".git"), { recursive: true });
    expect(reason(fake)).toBe("invalid_git_worktree");

    const lone = path.join(s.root, "lone");
    git(s.root, s.home, "init", "--initial-branch=main", lone);
    writeFileSync(path.join(lone, "a.txt"), "a\n");
    expect(reason(lone)).toBe("missing_origin");
    const loneCommit = cli(s, ["publish", "commit", "--push", "--staging-repo-dir", lone, "--json"]);
    expect(PublishCommitResultSchema.parse(loneCommit.json())).toMatchObject({
      status: "committed",
      marker: "SKIP_PUBLISH reason=missing_origin",
    });

    writeFileSync(path.join(s.staging, "b.txt"), "b\n");
    git(s.staging, s.home, "add", "-A");
    git(s.staging, s.home, "commit", "-m", "base");
    git(s.staging, s.home, "checkout", "--detach");
    writeFileSync(path.join(s.staging, "c.txt"), "c\n");
    expect(reason(s.staging)).toBe("detached_head");
  });

  it("refuses bad input with one line, a hint and nothing written", () => {
    const s = setup();
    const badAction = cli(s, ["publish", "deploy"]);
    expect(badAction.status).toBe(2);
    writeFileSync(
      path.join(s.root, "millrace-agents", "staging_manifest.yml"),
      "version: 1\npaths:\n  - ../escape\n",
    );
    const invalid = cli(s, ["publish", "sync"]);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(
      /^error: staging manifest .*staging_manifest\.yml: paths entry "..\/escape"/,
    );
    const missing = cli(s, ["publish", "sync", "--manifest", "none.yml", "--json"]);
    expect(missing.status).toBe(1);
    expect(missing.json<{ error: { code: string } }>().error.code).toBe("staging_manifest_invalid");
    writeFileSync(
      path.join(s.root, "millrace-agents", "staging_manifest.yml"),
      "version: 1\npaths:\n  - src\n  - docs\n",
    );
    const absent = cli(s, ["publish", "sync", "--json"]);
    expect(absent.json<{ error: { code: string } }>().error.code).toBe("staging_path_missing");
    expect(existsSync(path.join(s.staging, "src"))).toBe(false);
    const notRepo = cli(s, ["publish", "commit", "--staging-repo-dir", path.join(s.root, "src")]);
    expect(notRepo.status).toBe(3);
    expect(notRepo.stderr).toMatch(/^error: .*\nhint: Run `git init` in the staging folder/);
    const uninitialized = runCli(["publish", "preflight", "-w", tempDir("millrace-publish-none-")]);
    expect(uninitialized.status).toBe(3);
  });
});
