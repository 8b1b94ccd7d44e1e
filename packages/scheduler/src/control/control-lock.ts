import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { MillraceError, type RuntimeLock } from "@millrace/contracts";
import {
  type AcquiredLock,
  acquireLock,
  isProcessAlive,
  readRegularFile,
  type WorkspacePaths,
  writeFileAtomicSync,
} from "@millrace/workspace";

/**
 * A control command applied without a daemon holds the ownership lock for a few milliseconds. Its
 * session id starts with this prefix, so a daemon starting at that moment (or another direct
 * command) waits for it instead of failing or queueing into a mailbox nobody drains.
 */
export const CONTROL_LOCK_SESSION_PREFIX = "c0c0c0c0";

/** How long a starter waits for a control command's lock before giving up (ms). */
export const CONTROL_LOCK_WAIT_MS = 5_000;

const POLL_MS = 5;

/** A session id for a short-lived control writer (32 lower-case hex digits, like every lock). */
export function newControlSessionId(): string {
  return `${CONTROL_LOCK_SESSION_PREFIX}${randomBytes(12).toString("hex")}`;
}

/** True when the lock belongs to a short-lived control writer rather than a runtime. */
export function isControlLock(lock: RuntimeLock): boolean {
  return lock.owner_session_id.startsWith(CONTROL_LOCK_SESSION_PREFIX);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * True when a `workspace_locked` refusal is worth waiting out: the lock that refused us belonged to
 * a control writer, or the refusal names no lock at all (a stale lock being replaced by another
 * process). Judged from the refusal itself, not a second look at the file: by then the writer may
 * have released it, and an absent lock is no reason to give up.
 */
function worthWaiting(error: MillraceError): boolean {
  const lock = (error.details as { lock?: RuntimeLock } | undefined)?.lock;
  return lock === undefined || isControlLock(lock);
}

/**
 * A runtime (daemon or `run once`) that finds a control writer's lock says so in this file while
 * it waits, and control writers step aside for it: without that, a steady stream of direct
 * commands (each takes the lock for a few milliseconds, back to back) could hold the lock through
 * every one of the runtime's polls until its patience ran out. Once the runtime owns the lock, the
 * writers see a live runtime and queue into its mailbox, as they do for any running daemon.
 */
export function runtimeWaitingFile(paths: WorkspacePaths): string {
  return path.join(paths.state, "runtime_daemon.lock.waiting.json");
}

/** The announcement's pid and time, when the file is a small regular file holding them. */
function readWaiting(paths: WorkspacePaths): { pid: number; since: number } | undefined {
  const read = readRegularFile(runtimeWaitingFile(paths), { maxBytes: 256 });
  if (read.kind !== "ok") return undefined;
  let parsed: { pid?: unknown; since_ms?: unknown };
  try {
    parsed = JSON.parse(read.text) as { pid?: unknown; since_ms?: unknown };
  } catch {
    return undefined;
  }
  const { pid, since_ms: since } = parsed ?? {};
  if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (typeof since !== "number") return undefined;
  return { pid, since };
}

/**
 * The pid of a live runtime waiting for the lock, or undefined. The file is untrusted input like
 * any in the workspace: capped, regular files only, and honoured only for a live process other
 * than this one and for at most twice a runtime's patience (a killed waiter, a reused pid).
 */
function waitingRuntime(paths: WorkspacePaths): number | undefined {
  const waiting = readWaiting(paths);
  if (!waiting || waiting.pid === process.pid) return undefined;
  if (Math.abs(Date.now() - waiting.since) > 2 * CONTROL_LOCK_WAIT_MS) return undefined;
  return isProcessAlive(waiting.pid) ? waiting.pid : undefined;
}

function announceWaiting(paths: WorkspacePaths): void {
  // Not fsync'd: it only matters while this process lives.
  writeFileAtomicSync(runtimeWaitingFile(paths), JSON.stringify({ pid: process.pid, since_ms: Date.now() }), {
    durable: false,
  });
}

function withdrawWaiting(paths: WorkspacePaths): void {
  if (readWaiting(paths)?.pid === process.pid) rmSync(runtimeWaitingFile(paths), { force: true });
}

/**
 * Takes the ownership lock, waiting (up to `waitMs`) while a control writer holds it. A lock held
 * by a live runtime is refused at once with `workspace_locked` (its `details.lock` names the owner).
 * A runtime (`runtime: true`) announces that it waits (see `runtimeWaitingFile`); a control writer
 * waits for such a runtime to take the lock first, up to its own `waitMs`, then tries anyway.
 */
export function acquireLockPatiently(
  paths: WorkspacePaths,
  options: { now: () => Date; sessionId?: string; waitMs?: number; runtime?: boolean },
): AcquiredLock {
  const deadline = Date.now() + (options.waitMs ?? CONTROL_LOCK_WAIT_MS);
  let announced = false;
  try {
    for (;;) {
      if (!options.runtime && Date.now() < deadline && waitingRuntime(paths) !== undefined) {
        sleepSync(POLL_MS);
        continue;
      }
      try {
        return acquireLock(paths, {
          now: options.now(),
          ...(options.sessionId ? { sessionId: options.sessionId } : {}),
        });
      } catch (error) {
        if (!MillraceError.isInstance(error) || error.code !== "workspace_locked") throw error;
        if (Date.now() >= deadline || !worthWaiting(error)) throw error;
        if (options.runtime && !announced) {
          announceWaiting(paths);
          announced = true;
        }
        sleepSync(POLL_MS);
      }
    }
  } finally {
    if (announced) withdrawWaiting(paths);
  }
}

/** The live runtime lock behind a `workspace_locked` refusal, if a runtime (not a control writer) holds it. */
export function runtimeOwner(error: unknown): RuntimeLock | undefined {
  if (!MillraceError.isInstance(error) || error.code !== "workspace_locked") return undefined;
  const lock = (error.details as { lock?: RuntimeLock } | undefined)?.lock;
  return lock && !isControlLock(lock) ? lock : undefined;
}
