import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  type RunProblem,
  type StageResultEnvelope,
  StageResultEnvelopeSchema,
  type TokenUsage,
} from "@millrace/contracts";
import { RUNTIME_DIR_NAME } from "@millrace/workspace";
import { displayPath } from "./display-path.js";

/**
 * Reading one run folder (`runs/<run_id>/`): its stage results in time order, the files that do
 * not parse, and the other files it holds. Pure reads; nothing is written or moved.
 */

export interface LoadedStage {
  readonly requestId: string;
  /** Absolute path of `stage_results/<request_id>.json`. */
  readonly file: string;
  readonly envelope: StageResultEnvelope;
}

export interface LoadedRun {
  readonly runId: string;
  readonly dir: string;
  readonly workspaceRoot: string;
  /** Parsed stage results, ordered by start time, then completion time, then file name. */
  readonly stages: readonly LoadedStage[];
  /** Stage-result files that do not parse (paths workspace-relative). */
  readonly problems: readonly RunProblem[];
  /** Absolute paths of the malformed stage-result files, in name order. */
  readonly malformedFiles: readonly string[];
}

/** The workspace root of a run folder `<root>/millrace-agents/runs/<run_id>`. */
export function workspaceRootOfRunDir(dir: string): string {
  const runtimeRoot = path.dirname(path.dirname(path.resolve(dir)));
  return path.basename(runtimeRoot) === RUNTIME_DIR_NAME ? path.dirname(runtimeRoot) : runtimeRoot;
}

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function describeIssue(error: { issues: readonly { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "root";
  return `${where}: ${issue?.message ?? "invalid"}`;
}

export function loadRun(dir: string, workspaceRoot: string = workspaceRootOfRunDir(dir)): LoadedRun {
  const resultsDir = path.join(dir, "stage_results");
  const stages: LoadedStage[] = [];
  const problems: RunProblem[] = [];
  const malformedFiles: string[] = [];
  for (const name of listNames(resultsDir)) {
    if (!name.endsWith(".json") || name.startsWith(".")) continue;
    const file = path.join(resultsDir, name);
    const shown = displayPath(workspaceRoot, file);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ? (error as Error).message : "not valid JSON";
      problems.push({
        path: shown,
        error: `${shown} is ${reason === "not valid JSON" ? reason : `unreadable (${reason})`}`,
      });
      malformedFiles.push(file);
      continue;
    }
    const parsed = StageResultEnvelopeSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push({
        path: shown,
        error: `${shown} is not a stage result (${describeIssue(parsed.error)})`,
      });
      malformedFiles.push(file);
      continue;
    }
    stages.push({ requestId: name.slice(0, -".json".length), file, envelope: parsed.data });
  }
  stages.sort(
    (a, b) =>
      Date.parse(a.envelope.started_at) - Date.parse(b.envelope.started_at) ||
      Date.parse(a.envelope.completed_at) - Date.parse(b.envelope.completed_at) ||
      (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0),
  );
  return { runId: path.basename(dir), dir, workspaceRoot, stages, problems, malformedFiles };
}

/** Every file of the run folder outside `stage_results/`, workspace-relative, in name order. */
export function runFolderFiles(run: LoadedRun): string[] {
  const out: string[] = [];
  for (const name of listNames(run.dir)) {
    if (name === "stage_results" || name.startsWith(".")) continue;
    const file = path.join(run.dir, name);
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue;
    }
    out.push(displayPath(run.workspaceRoot, file));
  }
  return out;
}

/** Token usage summed over stages; null when no stage reported any. */
export function sumTokenUsage(usages: readonly (TokenUsage | null | undefined)[]): TokenUsage | null {
  const known = usages.filter((usage): usage is TokenUsage => usage != null);
  if (known.length === 0) return null;
  const total: TokenUsage = {
    input_tokens: 0,
    cached_input_tokens: 0,
    output_tokens: 0,
    thinking_tokens: 0,
    total_tokens: 0,
  };
  let cacheWrites: number | undefined;
  let cost: number | undefined;
  for (const usage of known) {
    total.input_tokens += usage.input_tokens;
    total.cached_input_tokens += usage.cached_input_tokens;
    total.output_tokens += usage.output_tokens;
    total.thinking_tokens += usage.thinking_tokens;
    total.total_tokens += usage.total_tokens;
    if (usage.cache_write_input_tokens !== undefined)
      cacheWrites = (cacheWrites ?? 0) + usage.cache_write_input_tokens;
    if (usage.cost_usd !== undefined) cost = (cost ?? 0) + usage.cost_usd;
  }
  if (cacheWrites !== undefined) total.cache_write_input_tokens = cacheWrites;
  if (cost !== undefined) total.cost_usd = cost;
  return total;
}

/** A metadata value when it is a string. */
export function metadataString(envelope: StageResultEnvelope, key: string): string | null {
  const value = (envelope.metadata as Record<string, unknown>)[key];
  return typeof value === "string" ? value : null;
}

export function failureClassOf(envelope: StageResultEnvelope): string | null {
  return metadataString(envelope, "failure_class");
}
