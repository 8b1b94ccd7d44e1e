import { randomBytes } from "node:crypto";
import { MillraceError, type RuntimeLock } from "@millrace/contracts";
import { type AcquiredLock, acquireLock, inspectLock, type WorkspacePaths } from "@millrace/workspace";

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

function heldByControlWriter(paths: WorkspacePaths): boolean {
  const seen = inspectLock(paths);
  return seen.state === "active" && isControlLock(seen.lock);
}

/**
 * Takes the ownership lock, waiting (up to `waitMs`) while a control writer holds it. A lock held
 * by a live runtime is refused at once with `workspace_locked` (its `details.lock` names the owner).
 */
export function acquireLockPatiently(
  paths: WorkspacePaths,
  options: { now: () => Date; sessionId?: string; waitMs?: number },
): AcquiredLock {
  const deadline = Date.now() + (options.waitMs ?? CONTROL_LOCK_WAIT_MS);
  for (;;) {
    try {
      return acquireLock(paths, {
        now: options.now(),
        ...(options.sessionId ? { sessionId: options.sessionId } : {}),
      });
    } catch (error) {
      if (!MillraceError.isInstance(error) || error.code !== "workspace_locked") throw error;
      if (Date.now() >= deadline || !heldByControlWriter(paths)) throw error;
      sleepSync(POLL_MS);
    }
  }
}

/** The live runtime lock behind a `workspace_locked` refusal, if a runtime (not a control writer) holds it. */
export function runtimeOwner(error: unknown): RuntimeLock | undefined {
  if (!MillraceError.isInstance(error) || error.code !== "workspace_locked") return undefined;
  const lock = (error.details as { lock?: RuntimeLock } | undefined)?.lock;
  return lock && !isControlLock(lock) ? lock : undefined;
}
