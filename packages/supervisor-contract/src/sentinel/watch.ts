import type { SentinelCheck, SentinelWatchOutput } from "@millrace/contracts";
import { MillraceError } from "@millrace/contracts";
import { requireInitialized } from "@millrace/workspace";
import { sentinelCheck } from "./check.js";
import { sentinelPaths } from "./paths.js";
import { readSentinelState } from "./state-store.js";

export interface SentinelWatchOptions {
  /** Stop after this many checks (default: until interrupted). */
  maxChecks?: number;
  /** Aborting ends the wait at once; the watch returns `interrupted`. */
  signal?: AbortSignal;
  /** Called after each check (the CLI prints it). */
  onCheck?: (check: SentinelCheck) => void;
}

/**
 * Runs checks until stopped, sleeping until each persisted `next_check_at` (no polling in
 * between). A restarted watch resumes the schedule on disk: it waits for the pending check
 * instead of checking at once.
 */
export async function sentinelWatch(
  workspace: string,
  options: SentinelWatchOptions = {},
): Promise<SentinelWatchOutput> {
  if (options.maxChecks !== undefined && (!Number.isInteger(options.maxChecks) || options.maxChecks < 1)) {
    throw new MillraceError(
      "usage_invalid_argument",
      `--max-checks must be a whole number of at least 1, not ${options.maxChecks}`,
      {
        hint: "Leave --max-checks out to watch until interrupted.",
      },
    );
  }
  const files = sentinelPaths(requireInitialized(workspace));
  let checks = 0;
  let last: SentinelCheck | null = null;
  let due = readSentinelState(files)?.next_check_at ?? null;
  for (;;) {
    if (due !== null) await sleepUntil(Date.parse(due), options.signal);
    if (options.signal?.aborted) return { checks, stop_reason: "interrupted", last };
    last = await sentinelCheck(workspace);
    checks += 1;
    options.onCheck?.(last);
    if (options.maxChecks !== undefined && checks >= options.maxChecks) {
      return { checks, stop_reason: "max_checks_reached", last };
    }
    if (last.next_check_at === null) return { checks, stop_reason: "no_next_check_scheduled", last };
    due = last.next_check_at;
  }
}

function sleepUntil(when: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = Math.max(0, when - Date.now());
  return new Promise((resolve) => {
    if (signal?.aborted || ms === 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
