import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  type CompileResult,
  compileError,
  compilePlan,
  exportCompiledGraphs,
  GRAPH_FORMATS,
  type GraphFormat,
  planCurrentness,
  renderGraph,
} from "@millrace/compiler";
import { type MillraceConfig, MillraceError, PLANES, type Plane } from "@millrace/contracts";
import { sealCapabilityGrants } from "@millrace/scheduler";
import { loadConfig, parseConfigText, readConfigFile, requireInitialized } from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";
import type { CommandContext } from "../io.js";

interface CompileArgs {
  mode?: string;
  config?: string;
}

/** The effective config: `--config FILE` or the workspace's millrace.toml (defaults when absent). */
export function commandConfig(args: CompileArgs, ctx: CommandContext): MillraceConfig {
  const paths = requireInitialized(ctx.workspace);
  if (!args.config) return loadConfig(paths);
  const file = path.resolve(ctx.io.cwd, args.config);
  const text = readConfigFile(file, { followLinks: true });
  if (text === undefined) {
    throw new MillraceError("not_found", `cannot read config file ${file}: it does not exist`, {
      hint: "Check the path given to --config.",
    });
  }
  return parseConfigText(text, file);
}

function runCompile(
  args: CompileArgs,
  ctx: CommandContext,
): { config: MillraceConfig; result: CompileResult } {
  const config = commandConfig(args, ctx);
  // The engine's grant sealer, so a plan compiled here is the one the engine would compile.
  const options = { sealGrants: sealCapabilityGrants, ...(args.mode ? { mode: args.mode } : {}) };
  return { config, result: compilePlan(ctx.workspace, config, options) };
}

function summary(result: CompileResult) {
  const plan = result.plan;
  return {
    ok: result.ok,
    mode_id: result.modeId,
    compiled_plan_id: plan?.compiled_plan_id ?? null,
    preview: result.preview,
    persisted: result.persisted,
    used_last_known_good: result.usedLastKnownGood,
    compile_input: plan?.compile_input_fingerprint ?? null,
  };
}

function issueLines(result: CompileResult): string {
  return [
    ...result.diagnostics.errors.map((line) => `error: ${line}\n`),
    ...result.diagnostics.warnings.map((line) => `warning: ${line}\n`),
  ].join("");
}

/** Text mode prints the full report, then the failure goes through the usual error path. */
function failIfNotOk(result: CompileResult, ctx: CommandContext, text: () => string): void {
  if (result.ok) return;
  if (!ctx.json) ctx.io.stdout(text());
  throw compileError(result);
}

const modeOption = {
  type: "string",
  describe:
    "Compile this mode instead of runtime.default_mode (a preview: the canonical plan is not rewritten)",
} as const;
const configOption = {
  type: "string",
  describe: "Config file to use instead of <workspace>/millrace-agents/millrace.toml",
} as const;

function validate(args: CompileArgs, ctx: CommandContext): number {
  const { result } = runCompile(args, ctx);
  const text = () => keyValueLines(summary(result)) + issueLines(result);
  failIfNotOk(result, ctx, text);
  ctx.emit(text, {
    ...summary(result),
    errors: result.diagnostics.errors,
    warnings: result.diagnostics.warnings,
  });
  return 0;
}

function show(args: CompileArgs, ctx: CommandContext): number {
  const { config, result } = runCompile(args, ctx);
  const plan = result.plan;
  const currentness = planCurrentness(ctx.workspace, config, args.mode ? { mode: args.mode } : {});
  const text = () => {
    const lines = [keyValueLines(summary(result)), issueLines(result)];
    lines.push(
      keyValueLines({
        currentness: result.preview ? "preview" : currentness.state,
        ...(result.preview ? {} : { currentness_reasons: currentness.reasons }),
      }),
    );
    if (!plan) return lines.join("");
    lines.push(keyValueLines({ loop_ids_by_plane: plan.loop_ids_by_plane }));
    for (const graph of Object.values(plan.graphs_by_plane)) {
      if (!graph) continue;
      for (const entry of graph.compiled_entries)
        lines.push(`entry: ${graph.plane}.${entry.entry_key} -> ${entry.node_id}\n`);
      const completion = graph.compiled_completion_entry;
      if (completion) {
        lines.push(`completion: ${graph.plane}.closure_target -> ${completion.node_id}\n`);
        lines.push(
          keyValueLines(
            {
              trigger: completion.trigger,
              readiness_rule: completion.readiness_rule,
              on_pass_terminal_state_id: completion.on_pass_terminal_state_id,
              on_gap_terminal_state_id: completion.on_gap_terminal_state_id,
              create_incident_on_gap: completion.create_incident_on_gap,
            },
            "completion_behavior.",
          ),
        );
      }
      for (const node of graph.nodes) {
        lines.push(
          `node: ${graph.plane}.${node.node_id} stage=${node.stage} stage_kind_id=${node.stage_kind_id} runner=${node.runner_name} model=${node.model_name ?? "none"} thinking=${node.thinking_level ?? "none"} effort=${node.model_reasoning_effort ?? "none"} timeout=${node.timeout_seconds} marker=${node.running_status_marker.slice(4)} entrypoint=${node.entrypoint_path}\n`,
        );
      }
    }
    return lines.join("");
  };
  failIfNotOk(result, ctx, text);
  ctx.emit(text, {
    ...summary(result),
    errors: result.diagnostics.errors,
    warnings: result.diagnostics.warnings,
    currentness: result.preview ? null : currentness,
    plan,
  });
  return 0;
}

function graph(
  args: CompileArgs & { format?: GraphFormat; plane?: Plane; output?: string },
  ctx: CommandContext,
): number {
  // Checked here too, so a bad value never reaches the compiler (nothing is written on bad input).
  if (args.format !== undefined && !GRAPH_FORMATS.includes(args.format)) {
    throw new MillraceError("usage_invalid_argument", `unknown graph format ${JSON.stringify(args.format)}`, {
      hint: `Use --format ${GRAPH_FORMATS.join(", --format ")}.`,
    });
  }
  if (args.plane !== undefined && !PLANES.includes(args.plane)) {
    throw new MillraceError("usage_invalid_argument", `unknown plane ${JSON.stringify(args.plane)}`, {
      hint: `Use --plane ${PLANES.join(", --plane ")}.`,
    });
  }
  const { result } = runCompile(args, ctx);
  failIfNotOk(result, ctx, () => issueLines(result));
  const format: GraphFormat = ctx.json ? "json" : (args.format ?? "mermaid");
  const exports = exportCompiledGraphs(result.plan!, args.plane);
  const rendered = renderGraph(exports, format);
  if (args.output) {
    writeFileSync(path.resolve(ctx.io.cwd, args.output), rendered);
    return 0;
  }
  ctx.io.stdout(rendered);
  return 0;
}

type CompileCommandArgs = CompileArgs & {
  action: "validate" | "show" | "graph";
  format?: GraphFormat;
  plane?: Plane;
  output?: string;
};

/**
 * `compile validate|show|graph`: compile the workspace's assets and config into the plan. Without
 * `--mode` the canonical plan is persisted (a failure keeps the last known good plan); with
 * `--mode` the compile is a preview and writes nothing.
 */
export const compileCommand: MillraceCommand<CompileCommandArgs> = {
  command: "compile <action>",
  describe: "Compile the runtime assets and config into the plan, and inspect it",
  builder: (yargs) =>
    yargs
      .positional("action", {
        choices: ["validate", "show", "graph"] as const,
        describe: "validate: compile and report; show: the frozen plan; graph: export the legal topology",
      })
      .option("mode", modeOption)
      .option("config", configOption)
      .option("format", { choices: GRAPH_FORMATS, describe: "graph: output format (default mermaid)" })
      .option("plane", {
        choices: ["execution", "planning", "learning"] as const,
        describe: "graph: one plane only",
      })
      .option("output", { type: "string", describe: "graph: write to this file instead of stdout" }),
  examples: [
    ["$0 compile validate", "Compile and persist the plan for runtime.default_mode"],
    ["$0 compile validate --mode learning_codex", "Preview another mode without touching the canonical plan"],
    ["$0 compile show --json", "The frozen plan as JSON"],
    ["$0 compile graph --format dot --output plan.dot", "The legal topology as Graphviz"],
  ],
  handler(args, ctx) {
    if (args.action === "validate") return validate(args, ctx);
    if (args.action === "show") return show(args, ctx);
    return graph(args, ctx);
  },
};
