import { randomUUID } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  formatTimestamp,
  MillraceError,
  type RuntimeLock,
  RuntimeLockSchema,
  typedJson,
} from "@millrace/contracts";
import { tempPathFor } from "./atomic-write.js";
import type { WorkspacePaths } from "./paths.js";
import { processStartTime } from "./process-start.js";

/**
 * The workspace ownership lock (`state/runtime_daemon.lock.json`): one owner per workspace. It is
 * created with an exclusive create, so two starters never both succeed; a lock whose owner process
 * is gone (stale) or whose file is unusable (invalid) is replaced under a short-lived takeover
 * guard, so that of several processes racing to replace it exactly one wins.
 */

export type LockInspection =
  | { state: "absent" }
  | { state: "invalid"; reason: string; raw: string }
  | { state: "active"; lock: RuntimeLock; raw: string }
  | {
      state: "stale";
      lock: RuntimeLock;
      raw: string;
      /** `pid_reused`: the pid is alive but belongs to a process that started after the owner. */
      why: "owner_gone" | "pid_reused";
    };

/** True when a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export function classifyLockText(raw: string, workspaceRoot: string): LockInspection {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { state: "invalid", reason: "the lock file is not valid JSON", raw };
  }
  const parsed = RuntimeLockSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      state: "invalid",
      reason: `the lock file does not match the lock shape (${issue?.path.join(".") || "root"}: ${issue?.message})`,
      raw,
    };
  }
  if (path.resolve(parsed.data.workspace_root) !== path.resolve(workspaceRoot)) {
    return {
      state: "invalid",
      reason: `the lock names another workspace (${parsed.data.workspace_root})`,
      raw,
    };
  }
  if (!isProcessAlive(parsed.data.owner_pid)) {
    return { state: "stale", lock: parsed.data, raw, why: "owner_gone" };
  }
  return isLockOwnerProcess(parsed.data)
    ? { state: "active", lock: parsed.data, raw }
    : { state: "stale", lock: parsed.data, raw, why: "pid_reused" };
}

/**
 * True unless the lock's pid now names another process: both start times are known and differ.
 * A lock without a start time (written by the Python original, or where /proc is absent) and a
 * process whose start time cannot be read fall back to the pid check alone.
 */
export function isLockOwnerProcess(lock: RuntimeLock, procRoot?: string): boolean {
  if (lock.owner_start_time === undefined) return true;
  const current = processStartTime(lock.owner_pid, procRoot);
  return current === undefined || current === lock.owner_start_time;
}

/** Classifies the lock file: absent, invalid, active (owner alive) or stale (owner gone). */
export function inspectLock(paths: WorkspacePaths): LockInspection {
  const raw = readText(paths.lockFile);
  if (raw === undefined) return { state: "absent" };
  return classifyLockText(raw, paths.root);
}

export interface AcquireLockOptions {
  sessionId?: string;
  pid?: number;
  /** The owner's start time; read from /proc for `pid` when not given, `null` records none. */
  startTime?: number | null;
  hostname?: string;
  now?: Date;
}

export interface AcquiredLock {
  readonly lock: RuntimeLock;
  /** What was there before: `absent`, or the `stale`/`invalid` lock that was replaced. */
  readonly replaced: "absent" | "stale" | "invalid";
  /** Removes the lock if it is still ours. */
  release(): boolean;
}

/**
 * Creates `file` with `text` only if it does not exist, and never leaves it half-written: the text
 * goes to a temp file first, which is then hard-linked into place (a link fails if the name is
 * taken). A kill at any point leaves either no file or the complete one (plus, at worst, a temp file
 * that temp-litter cleanup removes).
 */
function writeExclusive(file: string, text: string): boolean {
  const temp = tempPathFor(file);
  const fd = openSync(temp, "wx", 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

function lockedError(paths: WorkspacePaths, lock: RuntimeLock): MillraceError {
  return new MillraceError(
    "workspace_locked",
    `workspace ${paths.root} is owned by pid ${lock.owner_pid} on ${lock.owner_hostname || "an unknown host"} (session ${lock.owner_session_id}, since ${lock.acquired_at})`,
    {
      hint: `Stop it first: \`millrace stop --workspace ${paths.root}\` (\`millrace status\` shows the owner); if no Millrace process runs here, delete ${paths.lockFile}.`,
      details: { lock, lock_file: paths.lockFile },
    },
  );
}

function fsError(paths: WorkspacePaths, error: unknown): MillraceError {
  const code = (error as NodeJS.ErrnoException).code;
  const notWritable =
    code === "EACCES" || code === "EPERM" || code === "EROFS" || code === "ENOTDIR" || code === "ENOENT";
  return new MillraceError(
    notWritable ? "workspace_not_writable" : "workspace_io_failed",
    `cannot write the ownership lock ${paths.lockFile}: ${(error as Error).message}`,
    { cause: error },
  );
}

/**
 * Takes ownership of the workspace. Throws workspace_locked when a live process owns it. A stale
 * or invalid lock is replaced; when several processes race to replace it, exactly one succeeds and
 * the others get workspace_locked.
 */
export function acquireLock(paths: WorkspacePaths, options: AcquireLockOptions = {}): AcquiredLock {
  const pid = options.pid ?? process.pid;
  const startTime = options.startTime === undefined ? processStartTime(pid) : options.startTime;
  const lock: RuntimeLock = RuntimeLockSchema.parse({
    workspace_root: paths.root,
    owner_pid: pid,
    owner_hostname: options.hostname ?? os.hostname(),
    owner_session_id: options.sessionId ?? randomUUID().replaceAll("-", ""),
    acquired_at: formatTimestamp(options.now ?? new Date()),
    ...(startTime === null || startTime === undefined ? {} : { owner_start_time: startTime }),
  });
  const text = typedJson(lock);
  const handle = (replaced: AcquiredLock["replaced"]): AcquiredLock => ({
    lock,
    replaced,
    release: () => releaseLock(paths, lock.owner_session_id),
  });

  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      if (writeExclusive(paths.lockFile, text)) return handle("absent");
    } catch (error) {
      throw fsError(paths, error);
    }
    const seen = inspectLock(paths);
    if (seen.state === "absent") continue; // released between our create and our read: try again
    if (seen.state === "active") throw lockedError(paths, seen.lock);
    const replaced = replaceUnderGuard(paths, seen.raw, text);
    if (replaced === "won") return handle(seen.state);
    if (replaced === "busy") {
      const now = inspectLock(paths);
      if (now.state === "active") throw lockedError(paths, now.lock);
      throw new MillraceError(
        "workspace_locked",
        `another process is replacing the stale ownership lock of ${paths.root}`,
        { hint: "Try again in a moment; if this persists, delete the lock file and its .takeover file." },
      );
    }
    // "changed": someone else replaced it first; look again.
  }
  const last = inspectLock(paths);
  if (last.state === "active") throw lockedError(paths, last.lock);
  throw new MillraceError("workspace_locked", `could not take the ownership lock of ${paths.root}`, {
    hint: `Delete ${paths.lockFile} if no Millrace process is running, then try again.`,
  });
}

/**
 * Replaces the lock file that currently holds `expectedRaw` with `text`. Only the holder of the
 * takeover guard (itself an exclusive create) may replace; it re-reads the lock under the guard so a
 * lock that changed meanwhile is left alone.
 */
function replaceUnderGuard(
  paths: WorkspacePaths,
  expectedRaw: string,
  text: string,
): "won" | "busy" | "changed" {
  const guard = `${paths.lockFile}.takeover`;
  const guardText = `${JSON.stringify({ owner_pid: process.pid, created_at: new Date().toISOString() })}\n`;
  let haveGuard: boolean;
  try {
    haveGuard = writeExclusive(guard, guardText);
    if (!haveGuard && removeDeadGuard(guard)) haveGuard = writeExclusive(guard, guardText);
  } catch (error) {
    throw fsError(paths, error);
  }
  if (!haveGuard) return "busy";
  try {
    if (readText(paths.lockFile) !== expectedRaw) return "changed";
    rmSync(paths.lockFile, { force: true });
    return writeExclusive(paths.lockFile, text) ? "won" : "changed";
  } finally {
    rmSync(guard, { force: true });
  }
}

/** A takeover guard whose writer died mid-takeover would block every future replacement. */
function removeDeadGuard(guard: string): boolean {
  const raw = readText(guard);
  if (raw === undefined) return true;
  let pid = 0;
  try {
    pid = Number((JSON.parse(raw) as { owner_pid?: unknown }).owner_pid);
  } catch {
    // An unreadable guard may be mid-write; leave it unless its writer is provably gone.
    return false;
  }
  if (isProcessAlive(pid)) return false;
  try {
    unlinkSync(guard);
  } catch {}
  return true;
}

/** Removes the lock only if it belongs to `sessionId`. Returns whether it was removed. */
export function releaseLock(paths: WorkspacePaths, sessionId: string): boolean {
  const seen = inspectLock(paths);
  if (seen.state !== "active" && seen.state !== "stale") return false;
  if (seen.lock.owner_session_id !== sessionId) return false;
  rmSync(paths.lockFile, { force: true });
  return true;
}
