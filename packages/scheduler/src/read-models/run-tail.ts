import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  MillraceError,
  READ_MODEL_SCHEMA_VERSION,
  RUN_ARTIFACT_NAMES,
  type RunTail,
  type RunTailSource,
} from "@millrace/contracts";
import { requireInitialized } from "@millrace/workspace";
import { displayPath, isInside } from "./display-path.js";
import { type LoadedRun, loadRun } from "./run-files.js";
import { resolveRunDir } from "./run-id.js";

export const DEFAULT_TAIL_LINES = 50;
export const TROUBLESHOOT_REPORT_NAME = "troubleshoot_report.md";

export interface TailOptions {
  /** How many trailing lines to keep (default 50; 0 keeps the whole file). */
  lines?: number;
}

function readNonEmpty(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return undefined;
    const text = readFileSync(file, "utf8");
    return text.trim().length > 0 ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The newest file of the run folder whose name matches, by modification time. */
function newestMatching(dir: string, pattern: RegExp): string | undefined {
  let best: { file: string; mtime: number } | undefined;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const file = path.join(dir, name);
    try {
      const mtime = statSync(file).mtimeMs;
      if (!best || mtime > best.mtime || (mtime === best.mtime && file > best.file)) best = { file, mtime };
    } catch {
      // vanished
    }
  }
  return best?.file;
}

/**
 * Where each tail source lives. Paths named in a stage result are used only when they lie inside
 * the run folder; otherwise the conventional artifact name for the last request is used.
 */
function candidates(run: LoadedRun): Array<{ source: RunTailSource; file: string | undefined }> {
  const last = run.stages.at(-1);
  const inRun = (file: string | null | undefined) =>
    file && isInside(run.dir, file) ? path.resolve(run.dir, file) : undefined;
  const requestId = last?.requestId;
  const conventional = (name: (id: string) => string, pattern: RegExp) =>
    requestId ? path.join(run.dir, name(requestId)) : newestMatching(run.dir, pattern);
  const lastResultFile = last?.file ?? run.malformedFiles.at(-1);
  return [
    { source: "troubleshoot_report", file: path.join(run.dir, TROUBLESHOOT_REPORT_NAME) },
    {
      source: "runner_stdout",
      file:
        inRun(last?.envelope.stdout_path) ??
        conventional(RUN_ARTIFACT_NAMES.stdout, /^runner_stdout\..+\.txt$/),
    },
    {
      source: "runner_stderr",
      file:
        inRun(last?.envelope.stderr_path) ??
        conventional(RUN_ARTIFACT_NAMES.stderr, /^runner_stderr\..+\.txt$/),
    },
    { source: "stage_result", file: lastResultFile },
  ];
}

/**
 * The most useful text of a run, for a quick look at what happened: the troubleshoot report, else
 * the last stage's runner stdout, else its stderr, else the last stage-result file; the last
 * `lines` lines of the first one that has content. not_found when the run has none of them.
 */
export function tailRun(workspaceRoot: string, runId: string, options: TailOptions = {}): RunTail {
  const paths = requireInitialized(workspaceRoot);
  const limit = options.lines ?? DEFAULT_TAIL_LINES;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new MillraceError("usage_invalid_argument", `--lines must be a whole number >= 0, got ${limit}`, {
      hint: "Pass e.g. --lines 100 (0 prints the whole file).",
    });
  }
  const dir = resolveRunDir(paths, runId);
  const run = loadRun(dir, paths.root);
  for (const { source, file } of candidates(run)) {
    if (!file) continue;
    const text = readNonEmpty(file);
    if (text === undefined) continue;
    const all = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
    const kept = limit === 0 ? all : all.slice(-limit);
    return {
      schema_version: READ_MODEL_SCHEMA_VERSION,
      kind: "run_tail",
      run_id: runId,
      source,
      path: displayPath(paths.root, file),
      lines: kept.length,
      total_lines: all.length,
      truncated: kept.length < all.length,
      text: `${kept.join("\n")}\n`,
    };
  }
  throw new MillraceError(
    "not_found",
    `run ${runId} has nothing to show yet (no troubleshoot report, runner output or stage result)`,
    {
      hint: `Look at the folder itself: ${displayPath(paths.root, dir)}; \`millrace runs show ${runId}\` lists its files.`,
      details: { run_id: runId },
    },
  );
}
