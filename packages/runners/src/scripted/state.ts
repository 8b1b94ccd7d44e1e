import { readFileSync } from "node:fs";
import path from "node:path";
import { writeJsonAtomicSync } from "@millrace/workspace";

/**
 * How many (stage kind, work item) attempt counters the scripted runner keeps: the most recently
 * run pairs. A daemon runs a stage for one item after another for weeks; counting every pair ever
 * run made `state/scripted_runner_state.json` (read and rewritten whole at each stage) grow with
 * history, and each stage's cost with it. A pair not run for this many other pairs starts again at
 * attempt 1; scripts match `attempt` for retries of the item in hand, far inside the bound.
 */
export const SCRIPT_ATTEMPT_KEYS_LIMIT = 256;

/** Attempt counters (oldest first) and the sequence counter, persisted so both modes agree. */
export interface ScriptState {
  attempts: Record<string, number>;
  seq: number;
}

export function scriptStatePath(runtimeRoot: string): string {
  return path.join(runtimeRoot, "state", "scripted_runner_state.json");
}

/** The saved state; a missing or damaged file counts as a fresh one (it is only test bookkeeping). */
export function readScriptState(file: string): ScriptState {
  try {
    const value = JSON.parse(readFileSync(file, "utf8")) as Partial<ScriptState>;
    const attempts =
      typeof value.attempts === "object" && value.attempts !== null && !Array.isArray(value.attempts)
        ? value.attempts
        : {};
    return { attempts, seq: typeof value.seq === "number" ? value.seq : 0 };
  } catch {
    return { attempts: {}, seq: 0 };
  }
}

/**
 * Counts one more attempt of `key` and saves the state: the key moves to the newest end, and the
 * oldest keys beyond SCRIPT_ATTEMPT_KEYS_LIMIT are dropped (a state saved by an older version, with
 * every pair ever run, shrinks to the bound at its first stage). Returns the attempt number.
 */
export function countScriptAttempt(file: string, key: string, limit = SCRIPT_ATTEMPT_KEYS_LIMIT): number {
  const state = readScriptState(file);
  const { attempts } = state;
  const previous = attempts[key];
  const attempt = (typeof previous === "number" ? previous : 0) + 1;
  // Delete and set again: the key moves to the newest end (its keys are never integer-like, so
  // property order is insertion order). Then the oldest go, without rebuilding the object.
  delete attempts[key];
  attempts[key] = attempt;
  let excess = Object.keys(attempts).length - limit;
  for (const name in attempts) {
    if (excess-- <= 0) break;
    delete attempts[name];
  }
  writeJsonAtomicSync(file, state, { durable: false });
  return attempt;
}

/** The next value of the workspace-wide `{{seq}}` counter, saved before it is used. */
export function nextScriptSeq(file: string): number {
  const state = readScriptState(file);
  state.seq += 1;
  writeJsonAtomicSync(file, state, { durable: false });
  return state.seq;
}
