import type { ContextFact, ReusableProcedure } from "@millrace/contracts";
import { requireSafeId } from "../store/ids.js";
import { sourceText, summaryOf, titleOf, trimAtLine } from "./message-text.js";
import { yieldsCandidate, yieldsLearningFact } from "./transitions.js";

/** What the engine knows about a finished stage; everything the extraction reads. */
export interface StageCompletionInput {
  readonly runId: string;
  readonly requestId: string;
  /** The stage kind (e.g. `builder`). */
  readonly stage: string;
  /** The graph node; defaults to the stage. */
  readonly nodeId?: string;
  readonly terminalResult: string;
  /** The agent's last message; stdout, then stderr, are the fallbacks. */
  readonly finalMessage?: string | null;
  readonly stdout?: string | null;
  readonly stderr?: string | null;
  /** When the stage completed (ISO-8601 with a zone). */
  readonly completedAt: string;
  /** Workspace-relative refs: the stage result, reports, artifacts. */
  readonly evidenceRefs?: readonly string[];
  readonly tags?: readonly string[];
}

export interface ExtractionOptions {
  /** Cap on the stored body; default 6000 characters (cut at a line boundary). */
  readonly maxBodyCharacters?: number;
}

export interface RunCandidate {
  readonly procedure: ReusableProcedure;
  /** The file name inside `procedures/<run_id>/`: `<event>--<node>.json`, the event being the request id. */
  readonly fileName: string;
}

const TRUNCATED = "\n[… truncated]";

function tagsOf(stage: string, extra: readonly string[] | undefined): string[] {
  return [...new Set([stage, ...(extra ?? [])].map((tag) => tag.trim().toLowerCase()).filter(Boolean))];
}

/**
 * A run-scoped procedure candidate from a successful stage's final message, or null when the
 * outcome is not one that yields candidates or the message is empty. Pure.
 */
export function extractRunCandidate(
  input: StageCompletionInput,
  options: ExtractionOptions = {},
): RunCandidate | null {
  if (!yieldsCandidate(input.stage, input.terminalResult)) return null;
  const text = sourceText([input.finalMessage, input.stdout, input.stderr]);
  if (text === "") return null;
  const node = requireSafeId(input.nodeId ?? input.stage, "node id");
  const event = requireSafeId(input.requestId, "request id");
  requireSafeId(input.runId, "run id");
  const body = trimAtLine(text, options.maxBodyCharacters ?? 6000, TRUNCATED).text;
  const procedure: ReusableProcedure = {
    procedure_id: `proc.run.${input.runId}.${event}.${node}`,
    scope: "run",
    source_run_id: input.runId,
    source_stage: input.stage,
    title: titleOf(text) || `${input.stage} ${input.terminalResult}`,
    summary: summaryOf(text),
    procedure_markdown: body,
    tags: tagsOf(input.stage, input.tags),
    evidence_refs: [...new Set(input.evidenceRefs ?? [])],
    created_at: input.completedAt,
    supersedes_procedure_id: null,
  };
  return { procedure, fileName: `${event}--${node}.json` };
}

/**
 * A workspace-scoped context-fact candidate from a learning stage (Analyst finding, Professor or
 * Curator result), carrying its evidence refs; null for other outcomes or an empty message. Pure.
 */
export function extractLearningFact(
  input: StageCompletionInput,
  options: ExtractionOptions = {},
): ContextFact | null {
  if (!yieldsLearningFact(input.stage, input.terminalResult)) return null;
  const text = sourceText([input.finalMessage, input.stdout, input.stderr]);
  if (text === "") return null;
  requireSafeId(input.runId, "run id");
  const event = requireSafeId(input.requestId, "request id");
  return {
    fact_id: `fact.learning.${input.runId}.${event}.${input.stage}`,
    scope: "workspace",
    lifecycle_state: "candidate",
    source_run_id: input.runId,
    source_stage: input.stage,
    title: titleOf(text) || `${input.stage} ${input.terminalResult}`,
    statement: trimAtLine(text, options.maxBodyCharacters ?? 2000, TRUNCATED).text,
    summary: summaryOf(text),
    tags: tagsOf(input.stage, input.tags),
    evidence_refs: [...new Set(input.evidenceRefs ?? [])],
    created_at: input.completedAt,
    observed_at: input.completedAt,
    stale_reason: null,
    supersedes_fact_id: null,
  };
}
