import { writeFileSync } from "node:fs";
import type { RunnerContext, RunnerRawResultInput, StageRunRequest } from "@millrace/contracts";
import { reconcileAfterTimeout } from "../markers.js";
import type { ProcessOutcome } from "../process/run-process.js";
import { redactText } from "../secrets/redact.js";
import { processVerdict } from "./process-verdict.js";
import { rawBase } from "./raw-base.js";
import type { StageVerdict } from "./verdict.js";

/** The result fields an adapter learned from the agent's stream. */
export type StreamFields = Partial<
  Pick<RunnerRawResultInput, "stdout_path" | "event_log_path" | "token_usage" | "session_id">
>;

export interface StageFinish {
  readonly runnerName: string;
  /** The launched command (named when it could not be started). */
  readonly command: string;
  readonly outcome: ProcessOutcome;
  readonly fields: StreamFields;
  /** Notes from reading the stream; the process notes follow them. */
  readonly notes: readonly string[];
  /** The text a timed-out run is reconciled against (its final legal marker). */
  readonly markerText: string | undefined;
  /** A verdict the adapter reached while the process ran (its own stop); wins over process control. */
  readonly stoppedBy?: StageVerdict;
  /** The protocol's verdict once the process ended by itself (the adapter's failure-class mapping). */
  classify(outcome: ProcessOutcome): StageVerdict;
}

/**
 * The one finishing step of every process-backed adapter: process outcome + parsed stream → raw
 * result. Our own stop first, then process control (spawn failure, deadline, interruption, output
 * cap), then the protocol; deadline verdicts are reconciled against the final marker.
 */
export function finishStage(
  request: StageRunRequest,
  ctx: RunnerContext,
  finish: StageFinish,
): RunnerRawResultInput {
  const { outcome } = finish;
  const notes = [...finish.notes];
  if (outcome.leakedKilled.length > 0)
    notes.push(`killed leftover processes: ${outcome.leakedKilled.join(", ")}`);
  const stopped = finish.stoppedBy ?? processVerdict(outcome, finish.command, ctx.artifacts.stderr);
  const verdict = stopped ? { ...stopped, reconcile: true } : finish.classify(outcome);
  const raw: RunnerRawResultInput = {
    ...rawBase(request, finish.runnerName, outcome),
    stderr_path: ctx.artifacts.stderr,
    ...finish.fields,
    exit_kind: verdict.exitKind,
    exit_code: verdict.exitCode,
    failure_class: verdict.failureClass,
    notes: verdict.note === undefined ? notes : [...notes, verdict.note],
  };
  return verdict.reconcile ? reconcileAfterTimeout(request, raw, finish.markerText) : raw;
}

/** Writes the agent's final message as the stdout artifact (newline-terminated); returns its path. */
export function writeFinalText(ctx: RunnerContext, text: string): string {
  const safe = redactText(text, ctx.secrets ?? new Map());
  writeFileSync(ctx.artifacts.stdout, safe.endsWith("\n") ? safe : `${safe}\n`);
  return ctx.artifacts.stdout;
}
