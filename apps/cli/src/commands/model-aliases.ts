import type { ModelAliasesListing, ModelAliasesUpdateOutput, ModelAliasView } from "@millrace/contracts";
import { MillraceError } from "@millrace/contracts";
import type { ModelAliasChange } from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";
import { issuerOption } from "./control-output.js";

const ACTIONS = [
  "list",
  "show",
  "set",
  "remove",
  "assign-global",
  "assign-loop",
  "assign-stage",
  "clear-global",
  "clear-loop",
  "clear-stage",
] as const;
type Action = (typeof ACTIONS)[number];

interface ModelAliasesArgs {
  action: Action;
  first?: string;
  second?: string;
  model?: string;
  thinkingLevel?: string;
  reload?: boolean;
  issuer?: string;
}

/** The positional arguments each action takes, in order (for the usage error). */
const OPERANDS: Record<Action, string[]> = {
  list: [],
  show: ["ALIAS"],
  set: ["ALIAS"],
  remove: ["ALIAS"],
  "assign-global": ["ALIAS"],
  "assign-loop": ["LOOP", "ALIAS"],
  "assign-stage": ["STAGE", "ALIAS"],
  "clear-global": [],
  "clear-loop": ["LOOP"],
  "clear-stage": ["STAGE"],
};

function operands(args: ModelAliasesArgs): string[] {
  const wanted = OPERANDS[args.action];
  const given = [args.first, args.second].filter((v): v is string => v !== undefined);
  if (given.length !== wanted.length) {
    throw new MillraceError(
      "usage_invalid_argument",
      `model-aliases ${args.action} takes ${wanted.length === 0 ? "no arguments" : wanted.join(" ")}`,
      { hint: `Usage: millrace model-aliases ${args.action}${wanted.map((w) => ` ${w}`).join("")}` },
    );
  }
  return given;
}

/** Turns the parsed arguments into the workspace change. */
function changeOf(args: ModelAliasesArgs, ops: string[]): ModelAliasChange {
  const [a = "", b = ""] = ops;
  switch (args.action) {
    case "set":
      if (!args.model) {
        throw new MillraceError("usage_invalid_argument", "model-aliases set needs --model", {
          hint: "Usage: millrace model-aliases set ALIAS --model NAME [--thinking-level LEVEL]",
        });
      }
      return {
        action: "set",
        alias: a,
        model: args.model,
        ...(args.thinkingLevel === undefined ? {} : { thinkingLevel: args.thinkingLevel }),
      };
    case "assign-loop":
      return { action: "assign-loop", loop: a, alias: b };
    case "assign-stage":
      return { action: "assign-stage", stage: a, alias: b };
    case "clear-loop":
      return { action: "clear-loop", loop: a };
    case "clear-stage":
      return { action: "clear-stage", stage: a };
    case "clear-global":
      return { action: "clear-global" };
    case "remove":
      return { action: "remove", alias: a };
    default:
      return { action: "assign-global", alias: a };
  }
}

function aliasLine(view: ModelAliasView): string {
  const where = [
    ...(view.assigned_global ? ["global"] : []),
    ...view.assigned_loops.map((loop) => `loop:${loop}`),
    ...view.assigned_stages.map((stage) => `stage:${stage}`),
  ];
  return `${view.alias_id}: model=${view.model} thinking=${view.thinking_level ?? "none"} assigned=${where.join(",") || "none"}`;
}

function listingText(listing: ModelAliasesListing): string {
  const a = listing.assignment;
  const lines = [
    `config_file: ${listing.config_file}`,
    `assignment_enabled: ${a.enabled}`,
    `default_alias: ${a.default_alias}`,
    `invalid_assignment_policy: ${a.invalid_assignment_policy}`,
    ...Object.entries(a.by_loop).map(([loop, alias]) => `by_loop: ${loop} -> ${alias}`),
    ...Object.entries(a.by_stage).map(([stage, alias]) => `by_stage: ${stage} -> ${alias}`),
    ...(listing.aliases.length === 0
      ? ["aliases: none"]
      : listing.aliases.map((v) => `alias: ${aliasLine(v)}`)),
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * `model-aliases`: name models once (`fast`, `deep`) and assign them globally, per loop or per
 * stage. Edits millrace.toml in place (comments kept); the plan is recompiled at the next reload.
 */
export const modelAliasesCommand: MillraceCommand<ModelAliasesArgs> = {
  command: "model-aliases <action> [first] [second]",
  describe: "List, define and assign model aliases in millrace.toml (comments kept; reloads the daemon)",
  builder: (yargs) =>
    yargs
      .positional("action", { choices: ACTIONS, describe: "What to do" })
      .positional("first", { type: "string", describe: "ALIAS, LOOP or STAGE (see the action)" })
      .positional("second", { type: "string", describe: "ALIAS (assign-loop, assign-stage)" })
      .option("model", { type: "string", describe: "set: the model name the alias stands for" })
      .option("thinking-level", {
        type: "string",
        describe: "set: off, minimal, low, medium, high or xhigh",
      })
      .option("reload", {
        type: "boolean",
        default: true,
        describe: "Ask the runtime to reload the config afterwards (--no-reload: only edit the file)",
      })
      .option("issuer", issuerOption),
  examples: [
    ["$0 model-aliases set fast --model gpt-5-mini --thinking-level low", "Define an alias"],
    ["$0 model-aliases assign-stage checker fast", "Run the checker on the fast alias"],
    ["$0 model-aliases assign-loop execution.standard deep", "Every execution stage on deep"],
    ["$0 model-aliases list", "Aliases and where each is assigned"],
  ],
  async handler(args, ctx) {
    const workspace = await import("@millrace/workspace");
    const paths = workspace.requireInitialized(ctx.workspace);
    const ops = operands(args);
    if (args.action === "list") {
      const listing = workspace.listModelAliases(paths);
      ctx.emit(() => listingText(listing), listing);
      return 0;
    }
    if (args.action === "show") {
      const view = workspace.showModelAlias(paths, ops[0] ?? "");
      ctx.emit(() => keyValueLines({ ...view }), view);
      return 0;
    }
    const result = workspace.changeModelAliases(paths, changeOf(args, ops));
    let reload: ModelAliasesUpdateOutput["reload"] = null;
    if (args.reload !== false) {
      const { submitControl } = await import("@millrace/supervisor-contract");
      reload = submitControl(paths.root, "reload_config", {}, { issuer: args.issuer });
    }
    const output: ModelAliasesUpdateOutput = {
      action: args.action,
      config_file: result.configFile,
      updated: result.updated,
      reload,
    };
    ctx.emit(
      () =>
        keyValueLines({ action: output.action, config_file: output.config_file, updated: output.updated }) +
        (reload ? keyValueLines({ reload: { ...reload } }) : ""),
      output,
    );
    return 0;
  },
};
