import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { MillraceError } from "@millrace/contracts";
import { type GitIdentity, gitEnvironment } from "./git-env.js";

/** Options every public function of this package accepts for the git it runs. */
export interface GitOptions {
  /** The git executable (default `git`, found on PATH). */
  readonly binary?: string;
  /** Per-command time limit in ms (default 120 000; pushes default to 300 000). */
  readonly timeoutMs?: number;
  /** HOME for git (its global config); default: the parent's HOME. */
  readonly home?: string;
}

export interface GitRunOptions {
  readonly cwd: string;
  /** Exit codes that are answers, not failures (e.g. 1 for `merge-base --is-ancestor`). */
  readonly okExitCodes?: readonly number[];
  readonly identity?: GitIdentity;
  readonly timeoutMs?: number;
}

export interface GitResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const STDERR_LIMIT = 4_000;

/** Options git itself takes before the command: quiet, uncoloured output whatever the user's config says. */
const GLOBAL_ARGS = ["-c", "color.ui=false", "-c", "core.quotePath=false", "-c", "advice.detachedHead=false"];

export class GitRunner {
  constructor(readonly options: GitOptions = {}) {}

  /** Runs `git <args>` (an argument array, never a shell) and returns its output; throws on failure. */
  async run(args: readonly string[], run: GitRunOptions): Promise<GitResult> {
    const result = await this.spawnGit(args, run);
    const ok = result.exitCode === 0 || (run.okExitCodes ?? []).includes(result.exitCode);
    if (!ok) throw commandFailed(args, run.cwd, result);
    return result;
  }

  /** Like `run`, but stdout trimmed of its trailing newline. */
  async text(args: readonly string[], run: GitRunOptions): Promise<string> {
    return (await this.run(args, run)).stdout.replace(/\n$/, "");
  }

  private spawnGit(args: readonly string[], run: GitRunOptions): Promise<GitResult> {
    const binary = this.options.binary ?? "git";
    const timeoutMs = run.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const env = gitEnvironment(process.env, { home: this.options.home, identity: run.identity });
    return new Promise((resolve, reject) => {
      // Its own process group, so a timeout also stops what git started (ssh, hooks).
      const child = spawn(binary, [...GLOBAL_ARGS, ...args], {
        cwd: run.cwd,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child.pid);
      }, timeoutMs);
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
      child.on("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(spawnFailed(binary, run.cwd, error));
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString("utf8");
        if (timedOut) {
          reject(
            new MillraceError("git_timeout", `git ${args.join(" ")} did not finish within ${timeoutMs} ms`, {
              details: { args: [...args], cwd: run.cwd, timeout_ms: timeoutMs },
            }),
          );
          return;
        }
        const stdout = Buffer.concat(out).toString("utf8");
        resolve({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr });
      });
    });
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

function spawnFailed(binary: string, cwd: string, error: NodeJS.ErrnoException): MillraceError {
  if (error.code === "ENOENT" && !existsDir(cwd)) {
    return new MillraceError("git_not_a_repository", `the folder ${cwd} does not exist`, {
      details: { cwd },
    });
  }
  return new MillraceError("git_unavailable", `could not start ${binary}: ${error.message}`, {
    details: { binary, cwd, errno: error.code ?? null },
    cause: error,
  });
}

function existsDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The first meaningful line of git's stderr, for a one-line message. */
export function firstLine(stderr: string): string {
  const line = stderr
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  return line ?? "(no message)";
}

function commandFailed(args: readonly string[], cwd: string, result: GitResult): MillraceError {
  const stderr =
    result.stderr.length > STDERR_LIMIT ? `${result.stderr.slice(0, STDERR_LIMIT)}…` : result.stderr;
  if (/Please tell me who you are|unable to auto-detect email address|empty ident name/.test(result.stderr)) {
    return new MillraceError("git_identity_missing", `git ${args[0]} in ${cwd} has no author identity`, {
      details: { args: [...args], cwd, stderr },
    });
  }
  return new MillraceError(
    "git_command_failed",
    `git ${args.join(" ")} failed (exit ${result.exitCode}): ${firstLine(result.stderr)}`,
    { details: { args: [...args], cwd, exit_code: result.exitCode, stderr } },
  );
}
