import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  MillraceError,
  type RunDetail,
  type RunSummary,
  type RunTraceGraph,
  type TokenUsage,
} from "@millrace/contracts";
import { requireInitialized } from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";
import type { CommandContext } from "../io.js";

interface RunsArgs {
  action: "ls" | "list" | "show" | "tail" | "trace";
  run_id?: string;
  lines?: number;
  format?: "text" | "json";
  output?: string;
}

function tokens(usage: TokenUsage | null): string {
  if (!usage) return "none";
  return `in=${usage.input_tokens} cached=${usage.cached_input_tokens} out=${usage.output_tokens} think=${usage.thinking_tokens} total=${usage.total_tokens}`;
}

function summaryLines(run: RunSummary): string {
  return keyValueLines({
    run_id: run.run_id,
    status: run.status,
    work_item_kind: run.work_item_kind,
    work_item_id: run.work_item_id,
    stage_count: run.stage_count,
    last_stage: run.last_stage,
    last_terminal_result: run.last_terminal_result,
    failure_class: run.failure_class,
    started_at: run.started_at,
  });
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
    );
  });
  return parts.join("");
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
      `node: ${index + 1} ${node.node_id} request=${node.request_id} result=${node.terminal_result} class=${node.result_class} failure=${node.failure_class ?? "none"} runner=${node.runner_name ?? "none"} dur=${node.duration_seconds.toFixed(1)}s tokens=${tokens(node.token_usage)}\n`,
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

function requireRunId(args: RunsArgs): string {
  if (args.run_id === undefined) {
    throw new MillraceError("usage_invalid_argument", `runs ${args.action} needs a run id`, {
      hint: `Run \`millrace runs ls\` to see the run ids, then \`millrace runs ${args.action} <run_id>\`.`,
    });
  }
  return String(args.run_id);
}

type ReadModels = typeof import("@millrace/scheduler/read-models");

function trace(models: ReadModels, args: RunsArgs, ctx: CommandContext): number {
  const graph = models.runTrace(ctx.workspace, requireRunId(args));
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
      .positional("run_id", { type: "string", describe: "show/tail/trace: the run id (run-<hex>)" })
      .option("lines", { type: "number", describe: "tail: how many trailing lines (default 50; 0 = all)" })
      .option("format", {
        choices: ["text", "json"] as const,
        describe: "trace: output format (default text)",
      })
      .option("output", { type: "string", describe: "trace: write to this file instead of printing" }),
  examples: [
    ["$0 runs ls", "Every run, oldest first"],
    ["$0 runs show run-0123... --json", "One run's stages as JSON"],
    ["$0 runs tail run-0123... --lines 100", "The end of its troubleshoot report or runner output"],
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
    requireInitialized(ctx.workspace);
    // Loaded on demand so other commands do not pay for the scheduler at start-up.
    const models: ReadModels = await import("@millrace/scheduler/read-models");
    switch (args.action) {
      case "show": {
        const detail = models.showRun(ctx.workspace, requireRunId(args));
        ctx.emit(() => detailText(detail), detail);
        return 0;
      }
      case "tail": {
        const tail = models.tailRun(
          ctx.workspace,
          requireRunId(args),
          args.lines === undefined ? {} : { lines: args.lines },
        );
        ctx.emit(() => `==> ${tail.path} (${tail.source}) <==\n${tail.text}`, tail);
        return 0;
      }
      case "trace":
        return trace(models, args, ctx);
      default: {
        if (args.run_id !== undefined) {
          throw new MillraceError("usage_invalid_argument", "runs ls takes no run id", {
            hint: "Use `millrace runs show <run_id>` for one run.",
          });
        }
        const listing = models.listRuns(ctx.workspace);
        ctx.emit(
          () => (listing.runs.length === 0 ? "runs: none\n" : listing.runs.map(summaryLines).join("\n")),
          listing,
        );
        return 0;
      }
    }
  },
};
