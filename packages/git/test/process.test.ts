import { chmodSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { gitEnvironment } from "../src/process/git-env.js";
import { GitRunner } from "../src/process/run-git.js";
import { makeRepo, sandbox, write } from "./helpers.js";

async function caught(promise: Promise<unknown>): Promise<MillraceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!MillraceError.isInstance(error)) throw new Error(`expected a MillraceError, got ${String(error)}`);
  return error;
}

describe("git environment", () => {
  it("starts from nothing: repository-redirecting variables never leak in, prompts and pagers are off", () => {
    const env = gitEnvironment({
      PATH: "/bin",
      HOME: "/home/u",
      GIT_DIR: "/elsewhere/.git",
      GIT_WORK_TREE: "/elsewhere",
      GIT_INDEX_FILE: "/elsewhere/index",
      EDITOR: "vim",
      OPENAI_API_KEY: "secret",
    });
    expect(env).toMatchObject({
      PATH: "/bin",
      HOME: "/home/u",
      GIT_TERMINAL_PROMPT: "0",
      GIT_EDITOR: "true",
      GIT_PAGER: "cat",
      LC_ALL: "C",
    });
    for (const key of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "EDITOR", "OPENAI_API_KEY"]) {
      expect(env[key], key).toBeUndefined();
    }
  });

  it("sets author and committer together, and a HOME override hides the XDG config", () => {
    const env = gitEnvironment(
      { PATH: "/bin", XDG_CONFIG_HOME: "/x" },
      { home: "/h", identity: { name: "N", email: "e@x" } },
    );
    expect(env).toMatchObject({
      HOME: "/h",
      GIT_AUTHOR_NAME: "N",
      GIT_COMMITTER_EMAIL: "e@x",
    });
    expect(env.XDG_CONFIG_HOME).toBeUndefined();
  });
});

describe("GitRunner", () => {
  it("runs git in the repository even when the parent's GIT_DIR points elsewhere", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const before = process.env.GIT_DIR;
    process.env.GIT_DIR = path.join(box.root, "not-a-repo");
    try {
      const top = await new GitRunner({ home: box.home }).text(["rev-parse", "--show-toplevel"], {
        cwd: repo,
      });
      expect(top).toBe(repo);
    } finally {
      if (before === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = before;
    }
  });

  it("reports a failed command in one line with git's message", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const error = await caught(
      new GitRunner({ home: box.home }).run(["rev-parse", "--verify", "nope"], { cwd: repo }),
    );
    expect(error.code).toBe("git_command_failed");
    expect(error.message).toBe(
      "git rev-parse --verify nope failed (exit 128): fatal: Needed a single revision",
    );
    expect(error.details).toMatchObject({ exit_code: 128, cwd: repo });
  });

  it("says git is unavailable when the binary cannot start, and names a missing folder", async () => {
    const box = sandbox();
    const missingBinary = await caught(
      new GitRunner({ binary: path.join(box.root, "no-git") }).run(["status"], { cwd: box.root }),
    );
    expect(missingBinary.code).toBe("git_unavailable");
    const missingDir = await caught(new GitRunner().run(["status"], { cwd: path.join(box.root, "gone") }));
    expect(missingDir.code).toBe("git_not_a_repository");
  });

  it("stops a command that outlives its time limit, with its children", async () => {
    const box = sandbox();
    const slow = path.join(box.root, "slow-git");
    write(slow, "#!/bin/sh\nsleep 30 &\nwait\n");
    chmodSync(slow, 0o755);
    const started = Date.now();
    const error = await caught(
      new GitRunner({ binary: slow, timeoutMs: 300 }).run(["status"], { cwd: box.root }),
    );
    expect(error.code).toBe("git_timeout");
    expect(error.message).toContain("300 ms");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
