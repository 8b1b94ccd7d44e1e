import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { MillraceError, type SentinelState, SentinelStateSchema } from "@millrace/contracts";
import { appendFileDurableSync, writeJsonAtomicSync } from "@millrace/workspace";
import type { SentinelPaths } from "./paths.js";

export function initialSentinelState(): SentinelState {
  return {
    schema_version: "1.0",
    kind: "sentinel_state",
    status: "healthy",
    reason: "no-check-yet",
    checks_performed: 0,
    last_check_at: null,
    next_check_at: null,
    signature: null,
    signature_components: null,
    signature_since: null,
    last_progress_at: null,
    interval_seconds: null,
    recovery_requests_queued: 0,
    last_recovery_request_id: null,
    last_recovery_queued_at: null,
    soft_cap_reached: false,
    hard_cap_reached: false,
    acknowledgment_required: false,
    last_acknowledgment: null,
    last_notification: null,
  };
}

/** The persisted state, or undefined before the first check. A damaged file is an error, not a reset. */
export function readSentinelState(files: SentinelPaths): SentinelState | undefined {
  if (!existsSync(files.stateFile)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(files.stateFile, "utf8"));
  } catch (error) {
    throw damaged(files, (error as Error).message);
  }
  const parsed = SentinelStateSchema.safeParse(raw);
  if (!parsed.success) throw damaged(files, parsed.error.issues[0]?.message ?? "invalid");
  return parsed.data;
}

function damaged(files: SentinelPaths, why: string): MillraceError {
  return new MillraceError("engine_state_invalid", `${files.stateFile} is not a Sentinel state: ${why}`, {
    hint: "Move the file aside; the next `millrace sentinel check` starts a fresh state.",
  });
}

export function writeSentinelState(files: SentinelPaths, state: SentinelState): void {
  mkdirSync(files.dir, { recursive: true });
  writeJsonAtomicSync(files.stateFile, SentinelStateSchema.parse(state));
}

/** Appends one JSON line (checks, acknowledgments) durably. */
export function appendJsonLine(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileDurableSync(file, `${JSON.stringify(value)}\n`);
}
