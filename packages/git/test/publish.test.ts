import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import path from "node:path";
import { MillraceError, PUBLISH_SKIP_REASONS, PublishPreflightReportSchema } from "@millrace/contracts";
import { workspacePaths } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import {
  defaultStagingDir,
  defaultStagingManifestPath,
  parseStagingManifest,
  publishCommit,
  publishPreflight,
  publishSync,
  readStagingManifest,
} from "../src/index.js";
import { AUTHOR, makeBare, makeRepo, type Sandbox, sandbox, write } from "./helpers.js";

const SOURCE = { kind: "workspace" as const, ref: "staging_manifest.yml" };

function manifest(text: string) {
  return parseStagingManifest(text, SOURCE);
}

function caught(fn: () => unknown): MillraceError {
  try {
    fn();
  } catch (error) {
    if (MillraceError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected an error");
}

async function caughtAsync(promise: Promise<unknown>): Promise<MillraceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!MillraceError.isInstance(error)) throw new Error(`expected a MillraceError, got ${String(error)}`);
  return error;
}

/** A workspace with files to publish and a staging repo (own `.git`) with origin = a bare repo. */
function publishSetup(box: Sandbox, options: { origin?: boolean } = {}) {
  const ws = makeRepo(box, "ws", { "README.md": "readme\n", "docs/a.md": "a\n", "docs/sub/b.md": "b\n" });
  const staging = path.join(box.root, "staging");
  mkdirSync(staging);
  box.git(staging, "init", "--quiet", "--initial-branch=main");
  box.git(staging, "config", "user.name", "Stager");
  box.git(staging, "config", "user.email", "stager@example.test");
  const bare = makeBare(box);
  if (options.origin !== false) box.git(staging, "remote", "add", "origin", bare);
  return { ws, staging, bare };
}

describe("staging manifest", () => {
  it("reads version, paths and optional paths, with comments and quotes", () => {
    const m = manifest(
      '# what we publish\nversion: 1\npaths:\n  - README.md\n  - "docs/"  # a folder\noptional_paths:\n  - CHANGELOG.md\n',
    );
    expect(m).toEqual({
      version: 1,
      paths: ["README.md", "docs"],
      optionalPaths: ["CHANGELOG.md"],
      source: SOURCE,
    });
    expect(manifest("version: 2\npaths:\n- a\noptional_paths: []\n").optionalPaths).toEqual([]);
  });

  it("refuses every malformed manifest with the line and the problem", () => {
    const cases: Array<[string, RegExp]> = [
      ["paths:\n  - a\n", /version:` is missing/],
      ["version: x\npaths:\n  - a\n", /:1: version must be a positive integer/],
      ["version: 1\npaths: []\n", /at least one path/],
      ["version: 1\n  - a\n", /:2: a list item outside/],
      ["version: 1\npaths:\n  - a\nextra: 1\n", /:4: unknown key `extra`/],
      ["version: 1\npaths: a\n", /takes a list/],
      ["version: 1\npaths:\n  - a\npaths:\n  - b\n", /appears twice/],
      ["version: 1\npaths:\n  - ../up\n", /'\.\.' segment/],
      ["version: 1\npaths:\n  - /etc/passwd\n", /is absolute/],
      ["version: 1\npaths:\n  - .git/config\n", /points into \.git/],
      ["version: 1\npaths:\n  - a\\b\n", /backslash/],
      ["version: 1\npaths:\n  - src\n  - src/a.ts\n", /overlaps src/],
      ["version: 1\npaths:\n  - src\noptional_paths:\n  - src/x\n", /src \(paths\) overlaps src\/x/],
      ["just words\n", /cannot read/],
    ];
    for (const [text, message] of cases) {
      const error = caught(() => manifest(text));
      expect(error.code, text).toBe("staging_manifest_invalid");
      expect(error.message, text).toMatch(message);
    }
    const missing = caught(() => readStagingManifest("/nonexistent/staging_manifest.yml"));
    expect(missing.message).toContain("does not exist");
  });

  it("has default locations under the workspace", () => {
    const paths = workspacePaths("/ws");
    expect(defaultStagingManifestPath(paths)).toBe("/ws/millrace-agents/staging_manifest.yml");
    expect(defaultStagingDir(paths)).toBe("/ws/staging");
  });
});

describe("publishSync", () => {
  it("creates the staging folder and mirrors files and folders, never a nested .git", () => {
    const box = sandbox();
    const ws = makeRepo(box, "ws", { "README.md": "r\n", "docs/a.md": "a\n" });
    write(path.join(ws, "docs/.git"), "gitdir: elsewhere\n");
    symlinkSync("a.md", path.join(ws, "docs/link.md"));
    const staging = path.join(box.root, "out", "staging");
    const report = publishSync({
      workspaceRoot: ws,
      stagingDir: staging,
      manifest: manifest("version: 3\npaths:\n  - README.md\n  - docs\noptional_paths:\n  - NOTES.md\n"),
    });
    expect(report.created).toBe(true);
    expect(report.selection).toMatchObject({
      manifest_version: 3,
      required_paths: ["README.md", "docs"],
      staging_dir: staging,
    });
    expect(report.entries).toEqual([
      { path: "README.md", required: true, action: "copied", source_kind: "file" },
      { path: "docs", required: true, action: "copied", source_kind: "directory" },
      { path: "NOTES.md", required: false, action: "skipped_optional", source_kind: null },
    ]);
    expect(readFileSync(path.join(staging, "docs/a.md"), "utf8")).toBe("a\n");
    expect(existsSync(path.join(staging, "docs/.git"))).toBe(false);
    expect(readFileSync(path.join(staging, "docs/link.md"), "utf8")).toBe("a\n");
  });

  it("propagates deletions, copies present optional paths and removes absent ones from staging", () => {
    const box = sandbox();
    const { ws, staging } = publishSetup(box);
    const m = manifest("version: 1\npaths:\n  - docs\noptional_paths:\n  - README.md\n");
    publishSync({ workspaceRoot: ws, stagingDir: staging, manifest: m });
    expect(existsSync(path.join(staging, "README.md"))).toBe(true);
    box.git(ws, "rm", "--quiet", "docs/sub/b.md", "README.md");
    const report = publishSync({ workspaceRoot: ws, stagingDir: staging, manifest: m });
    expect(report.created).toBe(false);
    expect(report.entries[1]).toEqual({
      path: "README.md",
      required: false,
      action: "removed_optional",
      source_kind: null,
    });
    expect(existsSync(path.join(staging, "docs/sub/b.md"))).toBe(false);
    expect(existsSync(path.join(staging, "README.md"))).toBe(false);
    expect(existsSync(path.join(staging, ".git"))).toBe(true);
  });

  it("refuses a missing required path before writing anything, and a staging folder inside a copied path", () => {
    const box = sandbox();
    const ws = makeRepo(box, "ws");
    const staging = path.join(box.root, "staging");
    const error = caught(() =>
      publishSync({
        workspaceRoot: ws,
        stagingDir: staging,
        manifest: manifest("version: 1\npaths:\n  - README.md\n  - gone.txt\n"),
      }),
    );
    expect(error.code).toBe("staging_path_missing");
    expect(error.details.missing).toEqual(["gone.txt"]);
    expect(existsSync(staging)).toBe(false);
    const nested = caught(() =>
      publishSync({
        workspaceRoot: ws,
        stagingDir: path.join(ws, "out", "staging"),
        manifest: manifest("version: 1\npaths:\n  - out\n"),
      }),
    );
    expect(nested.code).toBe("staging_manifest_invalid");
    expect(nested.message).toContain("staging folder");
  });
});

describe("publishPreflight", () => {
  it("reaches every skip reason and ready", async () => {
    const box = sandbox();
    const { ws, staging } = publishSetup(box);
    const run = (dir: string, push: boolean) => publishPreflight({ ...box.options, stagingDir: dir, push });
    const seen = new Set<string>();
    const record = async (dir: string, push: boolean, expected: string, status: string) => {
      const report = await run(dir, push);
      PublishPreflightReportSchema.parse(report);
      expect(report.skip_reason ?? "ready").toBe(expected);
      expect(report.status).toBe(status);
      seen.add(expected);
      return report;
    };

    const missing = await record(
      path.join(box.root, "nowhere"),
      true,
      "missing_git_worktree",
      "skip_publish",
    );
    expect(missing).toMatchObject({
      git_worktree_present: false,
      commit_allowed: false,
      publish_allowed: false,
    });
    // A folder inside the workspace repository, without its own .git.
    mkdirSync(path.join(ws, "staging-in-ws"));
    write(path.join(ws, "staging-in-ws", ".git"), "gitdir: /nonexistent\n");
    await record(path.join(ws, "staging-in-ws"), true, "invalid_git_worktree", "skip_publish");

    const noChanges = await record(staging, true, "no_changes", "no_changes");
    expect(noChanges.commit_allowed).toBe(false);
    write(path.join(staging, "file.txt"), "x\n");
    const disabled = await record(staging, false, "push_disabled", "skip_publish");
    expect(disabled).toMatchObject({
      commit_allowed: true,
      publish_allowed: false,
      changed_paths: ["file.txt"],
    });
    const ready = await record(staging, true, "ready", "ready");
    expect(ready).toMatchObject({
      branch: "main",
      origin_configured: true,
      commit_allowed: true,
      publish_allowed: true,
    });
    expect(ready.message).toBe("Millrace staging sync");

    box.git(staging, "add", "-A");
    box.git(staging, "commit", "--quiet", "-m", "first");
    box.git(staging, "checkout", "--quiet", "--detach");
    write(path.join(staging, "file.txt"), "y\n");
    const detached = await record(staging, true, "detached_head", "skip_publish");
    expect(detached).toMatchObject({ branch: null, commit_allowed: true, publish_allowed: false });
    box.git(staging, "remote", "remove", "origin");
    await record(staging, true, "missing_origin", "skip_publish");
    expect([...seen].sort()).toEqual([...PUBLISH_SKIP_REASONS, "ready"].sort());
    // Read-only: nothing was staged or committed by the checks.
    expect(box.git(staging, "status", "--porcelain")).toBe(" M file.txt");
  });
});

describe("publishCommit", () => {
  it("commits without pushing unless asked, then pushes and the remote has the commit", async () => {
    const box = sandbox();
    const { ws, staging, bare } = publishSetup(box);
    const m = manifest("version: 1\npaths:\n  - README.md\n  - docs\n");
    publishSync({ workspaceRoot: ws, stagingDir: staging, manifest: m });
    const committed = await publishCommit({ ...box.options, stagingDir: staging, author: AUTHOR });
    expect(committed).toMatchObject({
      status: "committed",
      skip_reason: "push_disabled",
      marker: "SKIP_PUBLISH reason=push_disabled",
    });
    expect(box.git(staging, "log", "-1", "--format=%s|%an")).toBe("Millrace staging sync|Lane Bot");
    expect(box.git(bare, "for-each-ref")).toBe("");

    const none = await publishCommit({ ...box.options, stagingDir: staging, push: true });
    expect(none).toMatchObject({ status: "no_changes", commit_sha: null, marker: "NO_CHANGES" });
    expect(box.git(bare, "for-each-ref")).toBe("");

    write(path.join(ws, "docs/a.md"), "changed\n");
    publishSync({ workspaceRoot: ws, stagingDir: staging, manifest: m });
    const pushed = await publishCommit({
      ...box.options,
      stagingDir: staging,
      push: true,
      message: "Publish docs",
    });
    expect(pushed).toMatchObject({
      status: "pushed",
      branch: "main",
      marker: "PUSH_OK remote=origin branch=main",
    });
    expect(box.git(bare, "rev-parse", "refs/heads/main")).toBe(pushed.commit_sha);
    expect(box.git(bare, "log", "-1", "--format=%s|%an", "main")).toBe("Publish docs|Stager");
    expect(box.git(bare, "show", "main:docs/a.md")).toBe("changed");
  });

  it("commits but skips the push with no origin or a detached HEAD", async () => {
    const box = sandbox();
    const { staging } = publishSetup(box, { origin: false });
    write(path.join(staging, "a.txt"), "a\n");
    const noOrigin = await publishCommit({ ...box.options, stagingDir: staging, push: true });
    expect(noOrigin).toMatchObject({ status: "committed", marker: "SKIP_PUBLISH reason=missing_origin" });
    box.git(staging, "checkout", "--quiet", "--detach");
    box.git(staging, "remote", "add", "origin", path.join(box.root, "origin.git"));
    write(path.join(staging, "a.txt"), "b\n");
    const detached = await publishCommit({ ...box.options, stagingDir: staging, push: true });
    expect(detached).toMatchObject({
      status: "committed",
      branch: null,
      marker: "SKIP_PUBLISH reason=detached_head",
    });
    expect(box.git(path.join(box.root, "origin.git"), "for-each-ref")).toBe("");
  });

  it("fails with the commit named when the push is refused, and refuses a folder without a repository", async () => {
    const box = sandbox();
    const { staging } = publishSetup(box);
    box.git(staging, "remote", "set-url", "origin", path.join(box.root, "no-such-remote.git"));
    write(path.join(staging, "a.txt"), "a\n");
    const error = await caughtAsync(publishCommit({ ...box.options, stagingDir: staging, push: true }));
    expect(error.code).toBe("publish_push_failed");
    expect(error.details.commit_sha).toBe(box.git(staging, "rev-parse", "HEAD"));
    const missing = await caughtAsync(
      publishCommit({ ...box.options, stagingDir: path.join(box.root, "none") }),
    );
    expect(missing.code).toBe("staging_repo_invalid");
    expect(missing.exitStatus).toBe(3);
    expect(missing.details.skip_reason).toBe("missing_git_worktree");
  });
});
