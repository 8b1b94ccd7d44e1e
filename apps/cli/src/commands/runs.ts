import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  MillraceError,
  type RunDetail,
  type RunListing,
  type RunStageCapabilities,
  type RunSummary,
  type RunTraceGraph,
  type TokenUsage,
} from "@millrace/contracts";
import { neutralizeControlChars } from "@millrace/contracts/terminal-text";
import { requireInitialized } from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";
import type { CommandContext } from "../io.js";
import { followFile, sizeOf } from "./runs-follow.js";
import { runsPageLine, runsTable } from "./runs-table.js";

interface RunsArgs {
  action: "ls" | "list" | "show" | "tail" | "trace";
  run_id?: string;
  lines?: number;
  follow?: boolean;
  limit?: number;
  offset?: number;
  status?: string;
  item?: string;
  format?: "text" | "json";
  output?: string;
}

function tokens(usage: TokenUsage | null): string {
  if (!usage) return "none";
  return `in=${usage.input_tokens} cached=${usage.cached_input_tokens} out=${usage.output_tokens} think=${usage.thinking_tokens} total=${usage.total_tokens}`;
}

function detailText(detail: RunDetail): string {
  const run = detail.run;
  const parts = [
    keyValueLines({
      run_id: run.run_id,
      run_dir: run.run_dir,
      status: run.status,
      plane: run.plane,
      request_kind: run.request_kind,
      work_item_kind: run.work_item_kind,
      work_item_id: run.work_item_id,
      mode_id: run.mode_id,
      compiled_plan_id: run.compiled_plan_id,
      stage_count: run.stage_count,
      last_terminal_result: run.last_terminal_result,
      failure_class: run.failure_class,
      started_at: run.started_at,
      completed_at: run.completed_at,
      duration_seconds: run.duration_seconds,
      tokens: tokens(run.token_usage),
    }),
    ...run.problems.map((problem) => `problem: ${problem.error}\n`),
  ];
  detail.stages.forEach((stage, index) => {
    parts.push(
      `\nstage: ${index + 1} ${stage.stage}\n`,
      keyValueLines({
        request_id: stage.request_id,
        node_id: stage.node_id,
        stage_kind_id: stage.stage_kind_id,
        terminal_result: stage.terminal_result,
        result_class: stage.result_class,
        failure_class: stage.failure_class,
        exit_code: stage.exit_code,
        runner: stage.runner_name,
        model: stage.model_name,
        reasoning_effort: stage.model_reasoning_effort,
        thinking_level: stage.thinking_level,
        started_at: stage.started_at,
        duration_seconds: stage.duration_seconds,
        tokens: tokens(stage.token_usage),
        stage_result: stage.artifacts.stage_result,
        prompt: stage.artifacts.prompt,
        stdout: stage.artifacts.stdout,
        stderr: stage.artifacts.stderr,
        report: stage.artifacts.report,
      }),
      ...stage.artifacts.other.map((file) => `artifact: ${file}\n`),
      ...stage.notes.map((note) => `note: ${note}\n`),
      ...capabilityLines(stage.capabilities),
    );
  });
  for (const block of detail.capability_blocks) {
    for (const finding of block.findings) {
      const line = `capability_block: node=${block.node_id} capability=${finding.capability_id} failure=${finding.failure_class} reason=${finding.reason}`;
      parts.push(`${neutralizeControlChars(line)}\n`);
    }
  }
  parts.push(compoundingText(detail.compounding));
  return parts.join("");
}

/** Per stage: what governed compounding gave its prompt (selected, trimmed, left out) and the budget used. */
function compoundingText(compounding: RunDetail["compounding"]): string {
  const parts: string[] = [];
  for (const { request_id, path: file, selection } of compounding.selections) {
    parts.push(
      `\ncompounding: ${selection.stage} request=${request_id} profile=${selection.profile} injected_characters=${selection.injected_characters}\n`,
    );
    for (const [name, family] of [
      ["procedures", selection.procedures],
      ["facts", selection.facts],
    ] as const) {
      if (family.considered_count === 0 && Object.keys(family.excluded_counts).length === 0) continue;
      const excluded = Object.entries(family.excluded_counts)
        .map(([reason, count]) => `${reason}=${count}`)
        .join(" ");
      parts.push(
        `${name}: considered=${family.considered_count} selected=${family.selected_ids.length} truncated=${family.truncated_count} used=${family.used_characters}/${family.budget.budget_characters} max_items=${family.budget.max_items}${excluded ? ` excluded: ${excluded}` : ""}\n`,
      );
      for (const item of family.considered) {
        parts.push(
          `  ${item.decision} ${neutralizeControlChars(item.item_id)} (${item.selection_reason}, ${item.characters} chars)\n`,
        );
      }
    }
    parts.push(`selection: ${file}\n`);
  }
  parts.push(...compounding.problems.map((problem) => `problem: ${problem.error}\n`));
  return parts.join("");
}

/** The grants a stage ran with and how each was held (enforced by the runner, or advisory). */
function capabilityLines(capabilities: RunStageCapabilities | null): string[] {
  if (!capabilities) return [];
  const lines = [
    `capability_flags: ${capabilities.flags.length > 0 ? capabilities.flags.join(" ") : "none"}`,
    `capability_summary: ${capabilities.summary}`,
    ...capabilities.grants.map(
      (grant) =>
        `capability_grant: grant_id=${grant.grant_id} capability=${grant.capability_id} decision=${grant.decision_state} enforcement=${grant.enforcement} reason=${grant.reason}`,
    ),
  ];
  // Read from the run folder, which the agent could write: no control characters reach the terminal.
  return lines.map((line) => `${neutralizeControlChars(line)}\n`);
}

export function traceText(trace: RunTraceGraph): string {
  const parts = [
    keyValueLines({
      run_id: trace.run_id,
      run_dir: trace.run_dir,
      status: trace.status,
      compiled_plan_id: trace.compiled_plan_id,
      mode_id: trace.mode_id,
      request_kind: trace.request_kind,
      work_item_kind: trace.work_item_kind,
      work_item_id: trace.work_item_id,
      started_at: trace.started_at,
      completed_at: trace.completed_at,
      duration_seconds: trace.duration_seconds,
    }),
  ];
  trace.nodes.forEach((node, index) => {
    parts.push(
      `node: ${index + 1} ${node.node_id} request=${node.request_id} result=${node.terminal_result} class=${node.result_class} failure=${node.failure_class ?? "none"} runner=${node.runner_name ?? "none"} model=${node.model_name ?? "none"} thinking=${node.thinking_level ?? "none"} dur=${node.duration_seconds.toFixed(1)}s tokens=${tokens(node.token_usage)}\n`,
    );
  });
  const nodeOf = new Map(trace.nodes.map((node) => [node.trace_node_id, node.node_id]));
  for (const edge of trace.edges) {
    const target = edge.terminal_state_id
      ? `terminal:${edge.terminal_state_id}`
      : (edge.target_node_id ?? "none");
    const spawned = edge.spawned_work.map((work) => ` spawned=${work.kind}:${work.item_id}`).join("");
    parts.push(
      `edge: ${nodeOf.get(edge.source_trace_node_id) ?? edge.source_trace_node_id} --${edge.outcome}/${edge.edge_kind}--> ${target}${spawned}\n`,
    );
  }
  parts.push(...trace.notes.map((note) => `note: ${note}\n`));
  return parts.join("");
}

type ReadModels = typeof import("@millrace/scheduler/read-models");

/** The run id argument as typed (full id, id without `run-`, a unique prefix, or `latest`), resolved. */
function requireRunId(models: ReadModels, args: RunsArgs, ctx: CommandContext): string {
  if (args.run_id === undefined) {
    throw new MillraceError("usage_invalid_argument", `runs ${args.action} needs a run id`, {
      hint: `Run \`millrace runs ls\` to see the run ids, then \`millrace runs ${args.action} <run_id>\` (or \`latest\`).`,
    });
  }
  return models.resolveRunRef(ctx.workspace, String(args.run_id));
}

function usage(message: string, hint: string): MillraceError {
  return new MillraceError("usage_invalid_argument", message, { hint });
}

interface ListFilter {
  readonly limit: number | undefined;
  readonly offset: number | undefined;
  /** Undefined when neither --status nor --item was given. */
  readonly keep: ((run: RunSummary) => boolean) | undefined;
}

/** `--limit`, `--offset`, `--status` and `--item` for `runs ls`, checked before anything is read. */
function listFilter(args: RunsArgs): ListFilter {
  const { limit, offset, status, item } = args;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw usage(`--limit must be a whole number >= 1, got ${limit}`, "Pass e.g. --limit 5.");
  }
  if (offset !== undefined && (!Number.isSafeInteger(offset) || offset < 0)) {
    throw usage(
      `--offset must be a whole number >= 0, got ${offset}`,
      "Pass e.g. --limit 20 --offset 20 for the second page.",
    );
  }
  if (args.action !== "ls" && args.action !== "list") {
    if (limit !== undefined || offset !== undefined || status !== undefined || item !== undefined) {
      throw usage(
        "--limit, --offset, --status and --item apply to `runs ls` only",
        "Drop them, or use `runs ls`.",
      );
    }
  }
  const wanted = status?.toLowerCase();
  if (wanted === undefined && item === undefined) return { limit, offset, keep: undefined };
  return {
    limit,
    offset,
    keep: (run) =>
      (wanted === undefined ||
        [run.status, run.last_result_class, run.last_terminal_result, run.failure_class].some(
          (value) => value?.toLowerCase() === wanted,
        )) &&
      (item === undefined || run.work_item_id === item),
  };
}

type RunListingModels = typeof import("@millrace/scheduler/run-listing");

/**
 * The listing `runs ls` prints: with --limit or --offset, a page counted from the newest run, of
 * which only the newest `offset + limit` folders are read (listRunPage); else every run.
 */
function listing(models: RunListingModels, workspace: string, filter: ListFilter): RunListing {
  const { limit, offset, keep } = filter;
  if (limit !== undefined || offset !== undefined)
    return models.listRunPage(workspace, { limit, offset, keep, saveRecord: true });
  const full = models.listRuns(workspace);
  return keep ? { ...full, runs: full.runs.filter(keep) } : full;
}

async function tail(models: ReadModels, args: RunsArgs, ctx: CommandContext): Promise<number> {
  if (args.follow && ctx.json) {
    throw usage("runs tail --follow prints text as it arrives; it has no --json form", "Drop --json.");
  }
  const runId = requireRunId(models, args, ctx);
  const result = models.tailRun(ctx.workspace, runId, args.lines === undefined ? {} : { lines: args.lines });
  const file = path.resolve(ctx.workspace, result.path);
  const size = sizeOf(file);
  ctx.emit(
    () =>
      `==> ${neutralizeControlChars(result.path)} (${result.source}) <==\n${neutralizeControlChars(result.text)}`,
    result,
  );
  return args.follow ? followFile(file, size, ctx) : 0;
}

function trace(models: ReadModels, args: RunsArgs, ctx: CommandContext): number {
  const graph = models.runTrace(ctx.workspace, requireRunId(models, args, ctx));
  const asJson = args.format === "json" || (args.format === undefined && ctx.json);
  const rendered = asJson ? `${JSON.stringify(graph, null, 2)}\n` : traceText(graph);
  if (args.output) {
    const file = path.resolve(ctx.io.cwd, args.output);
    try {
      writeFileSync(file, rendered);
    } catch (error) {
      throw new MillraceError("workspace_io_failed", `cannot write ${file}: ${(error as Error).message}`, {
        hint: "Check that the folder of --output exists and is writable.",
      });
    }
    return 0;
  }
  ctx.io.stdout(rendered);
  return 0;
}

/** `runs ls|show|tail|trace`: the run read models (read-only). */
export const runsCommand: MillraceCommand<RunsArgs> = {
  command: "runs <action> [run_id]",
  describe: "Inspect run folders: list them, show one, tail its most useful output, or trace its stages",
  builder: (yargs) =>
    yargs
      .positional("action", {
        choices: ["ls", "list", "show", "tail", "trace"] as const,
        describe: "ls: every run; show: one run's stages; tail: its output; trace: its stage graph",
      })
      .positional("run_id", {
        type: "string",
        describe: "show/tail/trace: a run id as printed (run-<hex>, <hex>, a unique prefix) or `latest`",
      })
      .option("lines", { type: "number", describe: "tail: how many trailing lines (default 50; 0 = all)" })
      .option("follow", {
        alias: "f",
        type: "boolean",
        describe: "tail: keep printing lines appended to the file until Ctrl-C",
      })
      .option("limit", { type: "number", describe: "ls: only the newest N runs" })
      .option("offset", {
        type: "number",
        describe: "ls: skip the newest N runs first (with --limit: the next page)",
      })
      .option("status", {
        type: "string",
        describe: "ls: only runs whose status, result class, terminal result or failure class is this",
      })
      .option("item", { type: "string", describe: "ls: only runs of this work item id" })
      .option("format", {
        choices: ["text", "json"] as const,
        describe: "trace: output format (default text)",
      })
      .option("output", { type: "string", describe: "trace: write to this file instead of printing" }),
  examples: [
    ["$0 runs ls --limit 5", "The five newest runs, newest first"],
    ["$0 runs ls --limit 20 --offset 20", "The next twenty, older runs"],
    ["$0 runs ls --status blocked --item task-42", "Blocked runs of one work item"],
    ["$0 runs show latest --json", "The newest run's stages as JSON"],
    ["$0 runs show 4a80efec", "A run by the short id the monitor prints"],
    ["$0 runs tail latest --follow", "The end of its output, then new lines as they arrive"],
    ["$0 runs trace run-0123... --format json --output trace.json", "Its stage graph as JSON, into a file"],
  ],
  async handler(args, ctx) {
    // Checked here as well as by yargs, so a bad value never reaches a package call.
    if (!["ls", "list", "show", "tail", "trace"].includes(args.action)) {
      throw new MillraceError(
        "usage_invalid_argument",
        `unknown runs action ${JSON.stringify(args.action)}`,
        {
          hint: "Use one of: runs ls, runs show <id>, runs tail <id>, runs trace <id>.",
        },
      );
    }
    if (args.format !== undefined && args.format !== "text" && args.format !== "json") {
      throw new MillraceError(
        "usage_invalid_argument",
        `--format must be text or json, got ${JSON.stringify(args.format)}`,
        {
          hint: "Pass --format text or --format json.",
        },
      );
    }
    const filter = listFilter(args);
    if (args.follow && args.action !== "tail") {
      throw usage("--follow applies to `runs tail` only", "Use `millrace runs tail <run_id> --follow`.");
    }
    requireInitialized(ctx.workspace);
    if (args.action === "ls" || args.action === "list") {
      if (args.run_id !== undefined) {
        throw new MillraceError("usage_invalid_argument", "runs ls takes no run id", {
          hint: "Use `millrace runs show <run_id>` for one run.",
        });
      }
      // The listing's own entry: a cold `runs ls` loads no status, trace or compounding code.
      const listed = listing(await import("@millrace/scheduler/run-listing"), ctx.workspace, filter);
      // Text is newest first; JSON keeps the read model's order (oldest first).
      ctx.emit(() => runsTable([...listed.runs].reverse(), ctx.paint) + runsPageLine(listed), listed);
      return 0;
    }
    // Loaded on demand so other commands do not pay for the scheduler at start-up.
    const models: ReadModels = await import("@millrace/scheduler/read-models");
    switch (args.action) {
      case "show": {
        const detail = models.showRun(ctx.workspace, requireRunId(models, args, ctx));
        ctx.emit(() => detailText(detail), detail);
        return 0;
      }
      case "tail":
        return tail(models, args, ctx);
      case "trace":
        return trace(models, args, ctx);
    }
  },
};
