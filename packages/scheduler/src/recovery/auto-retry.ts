import { type ActiveRunState, type DocumentKind, formatTimestamp } from "@millrace/contracts";
import { countRetries, RETRYABLE_KINDS } from "@millrace/queue-store";
import { normalizeFailureClass } from "../apply/router.js";
import { TRANSIENT_FAILURE_CLASSES } from "../liveness/history.js";
import { type EngineContext, recordEvent } from "../state/context.js";
import { type PendingRetry, readRetrySchedule, writeRetrySchedule } from "./retry-schedule.js";

/**
 * Bounded autonomous recovery (`[recovery] auto_retry_attempts`): an item blocked by a transient
 * failure — the runner timed out, the provider or the transport failed — is requeued by the runtime
 * after a backoff, at most `auto_retry_attempts` times (counted from the item's requeue log), each
 * requeue logged with `"auto": true` and as `auto_retry_requeued`. A failure the same input would
 * produce again (illegal output, a missing artifact, a denied capability, the stage's own BLOCKED)
 * is never retried. A runner that cannot start at all never blocks an item: its stage is held and
 * resumes once the runner is back (see apply/runner-hold.ts).
 */

/** The failure classes a retry may cure: the timeout and every provider or transport failure. */
export const AUTO_RETRY_FAILURE_CLASSES: ReadonlySet<string> = new Set([
  "runner_timeout",
  ...TRANSIENT_FAILURE_CLASSES,
]);

/** The schedule, read once per engine and kept in step with its file. */
const schedules = new WeakMap<EngineContext, PendingRetry[]>();

function scheduleOf(ctx: EngineContext): PendingRetry[] {
  let pending = schedules.get(ctx);
  if (!pending) {
    pending = readRetrySchedule(ctx.paths);
    schedules.set(ctx, pending);
  }
  return pending;
}

function saveSchedule(ctx: EngineContext, pending: PendingRetry[]): void {
  schedules.set(ctx, pending);
  writeRetrySchedule(ctx.paths, pending);
}

/** The delay before retry number `attempt` (1-based): the backoff, doubled for each earlier retry. */
export function retryDelayMs(backoffSeconds: number, attempt: number): number {
  return backoffSeconds * 1000 * 2 ** (attempt - 1);
}

/**
 * Called when a run ends: if its item has just been blocked, decide whether the runtime retries it
 * (schedule the requeue) or not (say why, once). Does nothing while auto retries are off.
 */
export function considerAutoRetry(
  ctx: EngineContext,
  run: ActiveRunState,
  failureClass: string | null,
): void {
  const max = ctx.config.recovery.auto_retry_attempts;
  const kind = run.work_item_kind as DocumentKind | null | undefined;
  const id = run.work_item_id;
  if (max === 0 || !kind || !id || run.request_kind === "closure_target") return;
  if (!RETRYABLE_KINDS.includes(kind) || ctx.queue.find(id)?.state !== "blocked") return;
  const failure = failureClass ? normalizeFailureClass(failureClass) : "";
  const used = countRetries(ctx.queue.requeueLog(kind, id)).auto;
  const base = { work_item_kind: kind, work_item_id: id, attempts_used: used, max_attempts: max };
  if (!AUTO_RETRY_FAILURE_CLASSES.has(failure)) {
    recordEvent(ctx, "auto_retry_declined", {
      ...base,
      failure_class: failure || null,
      reason: "not_transient",
      detail: `${failure || "the block"} is not a transient failure (the same input would fail the same way), so the runtime does not retry it; \`millrace queue retry-blocked ${id}\` does, once the cause is fixed`,
    });
    return;
  }
  if (used >= max) {
    recordEvent(ctx, "auto_retry_declined", {
      ...base,
      failure_class: failure,
      reason: "attempts_exhausted",
      detail: `blocked again by ${failure} after ${used} automatic retr${used === 1 ? "y" : "ies"} (recovery.auto_retry_attempts = ${max}); it stays blocked until \`millrace queue retry-blocked ${id}\` or \`queue archive-blocked\``,
    });
    return;
  }
  const now = ctx.clock();
  const attempt = used + 1;
  const entry: PendingRetry = {
    work_item_kind: kind,
    work_item_id: id,
    failure_class: failure,
    attempt,
    blocked_at: formatTimestamp(now),
    due_at: formatTimestamp(
      new Date(now.getTime() + retryDelayMs(ctx.config.recovery.auto_retry_backoff_seconds, attempt)),
    ),
  };
  saveSchedule(ctx, [...scheduleOf(ctx).filter((other) => other.work_item_id !== id), entry]);
  recordEvent(ctx, "auto_retry_scheduled", {
    work_item_kind: kind,
    work_item_id: id,
    failure_class: failure,
    attempt,
    max_attempts: max,
    due_at: entry.due_at,
  });
}

/**
 * Requeues every scheduled item whose time has come and that is still blocked (an operator may have
 * retried or archived it meanwhile: its entry is dropped). Returns how many were requeued.
 */
export function requeueDueRetries(ctx: EngineContext): number {
  const pending = scheduleOf(ctx);
  if (pending.length === 0) return 0;
  const max = ctx.config.recovery.auto_retry_attempts;
  if (max === 0) {
    // Turned off since the retries were scheduled: none of them happens.
    saveSchedule(ctx, []);
    return 0;
  }
  const now = ctx.clock().getTime();
  const keep: PendingRetry[] = [];
  let requeued = 0;
  for (const entry of pending) {
    const { work_item_kind: kind, work_item_id: id } = entry;
    const where = ctx.queue.find(id);
    if (where?.state !== "blocked" || where.kind !== kind) continue;
    if (Date.parse(entry.due_at) > now) {
      keep.push(entry);
      continue;
    }
    // The config may have been lowered since the retry was scheduled: the bound holds at requeue time.
    if (countRetries(ctx.queue.requeueLog(kind, id)).auto >= max) continue;
    const reason = `auto retry ${entry.attempt} of ${max} after ${entry.failure_class}`;
    try {
      ctx.queue.requeue(kind, id, reason, { from: "blocked", auto: true, actor: "runtime" });
    } catch (error) {
      recordEvent(ctx, "auto_retry_declined", {
        work_item_kind: kind,
        work_item_id: id,
        failure_class: entry.failure_class,
        reason: "requeue_failed",
        attempts_used: entry.attempt - 1,
        max_attempts: max,
        detail: (error as Error).message,
      });
      continue;
    }
    recordEvent(ctx, "auto_retry_requeued", {
      work_item_kind: kind,
      work_item_id: id,
      failure_class: entry.failure_class,
      attempt: entry.attempt,
      max_attempts: max,
    });
    requeued += 1;
  }
  if (keep.length !== pending.length) saveSchedule(ctx, keep);
  return requeued;
}

/** Milliseconds until the next scheduled retry is due (0 when one is overdue), or null when none is. */
export function nextRetryDelayMs(ctx: EngineContext): number | null {
  const pending = scheduleOf(ctx);
  if (pending.length === 0) return null;
  const next = Math.min(...pending.map((entry) => Date.parse(entry.due_at)));
  return Math.max(next - ctx.clock().getTime(), 0) + 1;
}
