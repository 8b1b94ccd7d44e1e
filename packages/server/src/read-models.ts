import path from "node:path";
import { exportCompiledGraphs, loadCompiledPlan } from "@millrace/compiler";
import {
  type CompileGraphOutput,
  CompileGraphOutputSchema,
  DOCUMENT_KINDS,
  type DocumentKind,
  MillraceError,
  QUEUE_FOLDER_STATES,
  type QueueFolderState,
  type QueueItemDetail,
  QueueItemDetailSchema,
  type QueueListing,
  QueueListingSchema,
  type RunDetail,
  RunDetailSchema,
  type RunListing,
  RunListingSchema,
  type RunTraceGraph,
  RunTraceGraphSchema,
  type StatusReport,
  StatusReportSchema,
  type SupervisorReport,
  SupervisorReportSchema,
  type UsageReportOutput,
  UsageReportOutputSchema,
} from "@millrace/contracts";
import { usageReport } from "@millrace/governance";
import { assertSafeId, openQueueStore, QUEUE_LISTING_DEFAULT_LIMIT } from "@millrace/queue-store";
import { listRunPage, readStatus, runTrace, showRun } from "@millrace/scheduler/read-models";
import { loadConfig, resolveInsideReal } from "@millrace/workspace";
import { type ArtifactView, readArtifactHead } from "./artifact-read.js";
import { type PageQuery, pageOf } from "./page-query.js";
import { requireRunFolder } from "./run-folder.js";
import { usage } from "./usage-error.js";
import type { ServedWorkspace } from "./workspaces.js";

/**
 * What the API answers: the very read models the CLI prints with `--json`, from the same package
 * functions, checked against the same schemas before they leave. None takes the ownership lock or
 * writes to the workspace (the queue index is read, never saved).
 */

/** `supervisor report --json`: attention reason, allowed actions, liveness; the issuer named is `web`. */
export async function supervisorOf(workspace: ServedWorkspace): Promise<SupervisorReport> {
  const { supervisorReport } = await import("@millrace/supervisor-contract");
  return SupervisorReportSchema.parse(await supervisorReport(workspace.paths.root, { issuer: "web" }));
}

export function statusOf(workspace: ServedWorkspace): StatusReport {
  return StatusReportSchema.parse(readStatus(workspace.paths.root));
}

function oneOf<T extends string>(
  value: string | undefined,
  choices: readonly T[],
  name: string,
): T | undefined {
  if (value === undefined || value === "") return undefined;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw usage(`unknown ${name} ${JSON.stringify(value)}`, `Use one of: ${choices.join(", ")}.`);
}

/** `queue ls --json`: a page of at most 100 items per (kind, state) folder unless `limit` or `all` says otherwise. */
export function queueOf(
  workspace: ServedWorkspace,
  query: { kind?: string | undefined; state?: string | undefined } & PageQuery,
): QueueListing {
  const kind = oneOf<DocumentKind>(query.kind, DOCUMENT_KINDS, "kind");
  const state = oneOf<QueueFolderState>(query.state, QUEUE_FOLDER_STATES, "state");
  const { limit, offset } = pageOf(query, QUEUE_LISTING_DEFAULT_LIMIT);
  // No close(): closing saves the queue index, and the dashboard never writes.
  const store = openQueueStore(workspace.paths);
  return QueueListingSchema.parse(
    store.listing({
      ...(kind ? { kind } : {}),
      ...(state ? { state } : {}),
      ...(limit === undefined ? {} : { limit }),
      offset,
    }),
  );
}

export function queueItemOf(workspace: ServedWorkspace, id: string): QueueItemDetail {
  const store = openQueueStore(workspace.paths);
  return QueueItemDetailSchema.parse(store.show(assertSafeId(id, "work item id")));
}

/** The runs page's default: the newest 50 runs. */
export const RUNS_DEFAULT_LIMIT = 50;

/** `runs ls --json`, one page counted from the newest run, with `total` and `next_offset`. */
export function runsOf(workspace: ServedWorkspace, query: PageQuery = {}): RunListing {
  return RunListingSchema.parse(listRunPage(workspace.paths.root, pageOf(query, RUNS_DEFAULT_LIMIT)));
}

export function runDetailOf(workspace: ServedWorkspace, runId: string): RunDetail {
  requireRunFolder(workspace, runId);
  return RunDetailSchema.parse(showRun(workspace.paths.root, runId));
}

export function runTraceOf(workspace: ServedWorkspace, runId: string): RunTraceGraph {
  requireRunFolder(workspace, runId);
  return RunTraceGraphSchema.parse(runTrace(workspace.paths.root, runId));
}

/** Every file the run read model names (stage artifacts and the folder's own files). */
function namedFiles(detail: RunDetail): Set<string> {
  const named = new Set(detail.files);
  for (const stage of detail.stages) {
    const { stage_result, prompt, stdout, stderr, report, other } = stage.artifacts;
    for (const file of [stage_result, prompt, stdout, stderr, report, ...other]) if (file) named.add(file);
  }
  return named;
}

/**
 * The head of one artifact of a run. Only a file the run read model names, inside the run's own
 * folder by real path, is read; anything else is not_found, whatever the path says.
 */
export function runArtifactOf(
  workspace: ServedWorkspace,
  runId: string,
  file: string | undefined,
): ArtifactView {
  if (!file) throw usage("artifact needs ?path=<workspace-relative path>", "Pick a file from the run page.");
  const dir = requireRunFolder(workspace, runId);
  const detail = showRun(workspace.paths.root, runId);
  const notServed = new MillraceError("not_found", `run ${runId} has no artifact ${JSON.stringify(file)}`, {
    hint: "The run page lists the artifacts that can be viewed.",
    details: { run_id: runId, path: file },
  });
  if (!namedFiles(detail).has(file) || path.isAbsolute(file)) throw notServed;
  const relative = path.relative(dir, path.resolve(workspace.paths.root, file));
  const inside = resolveInsideReal(dir, relative);
  if (inside === undefined || relative === "") throw notServed;
  return readArtifactHead(inside, file);
}

/** The compiled graphs of the persisted plan (what `compile graph --json` prints), without compiling. */
export function graphsOf(workspace: ServedWorkspace): CompileGraphOutput {
  const plan = loadCompiledPlan(workspace.paths.root);
  if (!plan) {
    throw new MillraceError("not_found", "this workspace has no compiled plan yet", {
      hint: "Run `millrace compile validate` (or start the runtime) to compile it.",
    });
  }
  return CompileGraphOutputSchema.parse(exportCompiledGraphs(plan));
}

const GROUPINGS = ["stage", "model", "item", "day"] as const;

export function usageOf(
  workspace: ServedWorkspace,
  query: { window?: string | undefined; by?: string | undefined },
): UsageReportOutput {
  const by = oneOf(query.by, GROUPINGS, "grouping") ?? "stage";
  const config = loadConfig(workspace.paths);
  return UsageReportOutputSchema.parse(
    usageReport({
      paths: workspace.paths,
      config: config.usage_governance,
      now: new Date(),
      window: query.window || "all",
      by,
    }),
  );
}
