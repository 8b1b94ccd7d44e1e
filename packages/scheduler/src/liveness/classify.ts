import type { LivenessGrade, StageProcessState } from "@millrace/contracts";
import { type CompletionRecord, TRANSIENT_FAILURE_CLASSES } from "./history.js";
import type { LivenessThresholds } from "./thresholds.js";

/** What is known about one active stage at the moment of a check. Times are epoch milliseconds. */
export interface StageEvidence {
  /** Whether the process owning the workspace (the daemon holding the lock) is alive. */
  readonly ownerAlive: boolean;
  readonly ownerDetail?: string;
  readonly process: StageProcessState;
  readonly startedAt: number;
  /** Newest write to the stage's stdout, stderr or event stream; null before the first one. */
  readonly lastOutputAt: number | null;
  readonly workItemId: string | null;
}

export interface StageClassification {
  readonly grade: Exclude<LivenessGrade, "idle">;
  readonly reason: string;
  /** Seconds since the stage last wrote anything (since it started, when it wrote nothing yet). */
  readonly silentSeconds: number;
}

/** Most urgent first: the order grades win in, and the order a workspace's stages are summarised in. */
export const GRADE_URGENCY: readonly LivenessGrade[] = [
  "orphaned",
  "hung",
  "retry_storm",
  "looping",
  "quiet",
  "progressing",
  "idle",
];

export function moreUrgent(a: LivenessGrade, b: LivenessGrade): LivenessGrade {
  return GRADE_URGENCY.indexOf(a) <= GRADE_URGENCY.indexOf(b) ? a : b;
}

function roundSeconds(ms: number): number {
  return Math.max(0, Math.round(ms / 100) / 10);
}

/** The item's stage whose last `repeats` results are one and the same, if any. */
function repeatedResult(
  history: readonly CompletionRecord[],
  workItemId: string | null,
  repeats: number,
): { stage: string; result: string } | undefined {
  if (!workItemId) return undefined;
  const byStage = new Map<string, string[]>();
  for (const record of history) {
    if (record.workItemId !== workItemId) continue;
    const results = byStage.get(record.stage) ?? [];
    results.push(record.terminalResult);
    byStage.set(record.stage, results);
  }
  for (const [stage, results] of byStage) {
    if (results.length < repeats) continue;
    const last = results.slice(-repeats);
    if (last.every((result) => result === last[0])) return { stage, result: last[0] as string };
  }
  return undefined;
}

/** The item's provider or transport failures in the window (one item's storm never parks the others). */
function transientFailures(
  history: readonly CompletionRecord[],
  workItemId: string | null,
  now: number,
  windowSeconds: number,
): number {
  const since = now - windowSeconds * 1000;
  return history.filter(
    (record) =>
      record.workItemId === workItemId &&
      record.at >= since &&
      record.failureClass !== null &&
      TRANSIENT_FAILURE_CLASSES.has(record.failureClass),
  ).length;
}

/**
 * Classifies one active stage. Pure: everything it looks at is in its arguments. The first rule
 * that holds wins, most urgent first: orphaned (the owner is dead), hung (alive, silent past the
 * hang threshold), retry_storm (transient failures in the window), looping (the item's stage gave
 * the same result K times in a row), quiet (alive, silent past the quiet threshold), progressing.
 */
export function classifyStage(
  evidence: StageEvidence,
  history: readonly CompletionRecord[],
  thresholds: LivenessThresholds,
  now: number,
): StageClassification {
  const silentMs = now - (evidence.lastOutputAt ?? evidence.startedAt);
  const silentSeconds = roundSeconds(silentMs);
  const silence = `no output for ${silentSeconds}s`;
  if (!evidence.ownerAlive) {
    const agent = evidence.process === "running" ? "; its agent process is still running" : "";
    return {
      grade: "orphaned",
      reason: `${evidence.ownerDetail ?? "the process that owns the workspace is gone"}${agent}`,
      silentSeconds,
    };
  }
  // An agent that has exited is being collected: its stage is about to finish, not stuck.
  const alive = evidence.process !== "exited";
  if (alive && silentMs >= thresholds.hangAfterSeconds * 1000) {
    return {
      grade: "hung",
      reason: `${silence} (hang threshold ${thresholds.hangAfterSeconds}s)`,
      silentSeconds,
    };
  }
  const failures = transientFailures(history, evidence.workItemId, now, thresholds.retryStormWindowSeconds);
  if (failures >= thresholds.retryStormFailures) {
    return {
      grade: "retry_storm",
      reason: `${failures} provider or transport failures of this item in the last ${thresholds.retryStormWindowSeconds}s (threshold ${thresholds.retryStormFailures})`,
      silentSeconds,
    };
  }
  const repeated = repeatedResult(history, evidence.workItemId, thresholds.loopRepeats);
  if (repeated) {
    return {
      grade: "looping",
      reason: `${repeated.stage} returned ${repeated.result} ${thresholds.loopRepeats} times in a row for ${evidence.workItemId}`,
      silentSeconds,
    };
  }
  if (alive && silentMs >= thresholds.quietAfterSeconds * 1000) {
    return {
      grade: "quiet",
      reason: `${silence} (quiet threshold ${thresholds.quietAfterSeconds}s)`,
      silentSeconds,
    };
  }
  return {
    grade: "progressing",
    reason: evidence.lastOutputAt === null ? "started; no output yet" : `last output ${silentSeconds}s ago`,
    silentSeconds,
  };
}
