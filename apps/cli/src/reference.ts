/**
 * Generated reference pages: `docs/cli.md` from the yargs definitions in commandGroups, and
 * `docs/configuration.md` from MillraceConfigSchema. `scripts/generate-docs.mjs` writes them and
 * a test fails when the checked-in files differ from what these functions render.
 */
import {
  configApplyBoundary,
  ERROR_CODES,
  MillraceConfigSchema,
  renderJsonSchema,
} from "@millrace/contracts";
import { DOCTOR_CHECK_CODES } from "@millrace/scheduler";
import type { MillraceCommand } from "./command.js";
import { commandGroups } from "./commands/index.js";

// --- CLI reference

interface ArgSpec {
  name: string;
  kind: "positional" | "option";
  opts: Record<string, unknown>;
}

/** Runs a command's builder against a recorder that keeps what it declares and ignores the rest. */
function declaredArgs(command: MillraceCommand<unknown>): ArgSpec[] {
  const specs: ArgSpec[] = [];
  const recorder: unknown = new Proxy(
    {},
    {
      get(_target, property) {
        return (...args: unknown[]) => {
          if (property === "positional" || property === "option") {
            specs.push({
              name: String(args[0]),
              kind: property,
              opts: (args[1] as Record<string, unknown>) ?? {},
            });
          }
          return recorder;
        };
      },
    },
  );
  command.builder?.(recorder as never);
  return specs;
}

const GLOBAL_OPTIONS: ArgSpec[] = [
  {
    name: "workspace",
    kind: "option",
    opts: {
      alias: "w",
      type: "string",
      default: ".",
      describe: "Workspace root (the repository Millrace works in)",
    },
  },
  {
    name: "json",
    kind: "option",
    opts: { type: "boolean", default: false, describe: "Print machine-readable JSON" },
  },
  {
    name: "help",
    kind: "option",
    opts: { alias: "h", type: "boolean", describe: "Show help for the command" },
  },
];

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function code(value: unknown): string {
  return `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}

function choicesOf(opts: Record<string, unknown>): string {
  const choices = opts.choices as readonly unknown[] | undefined;
  return choices && choices.length > 0 ? choices.map(code).join(", ") : "";
}

function optionRow(spec: ArgSpec): string {
  const alias = spec.opts.alias ? `, \`-${spec.opts.alias}\`` : "";
  const type = spec.opts.choices ? "choice" : String(spec.opts.type ?? "string");
  const typeText = spec.opts.array ? `${type} (repeatable)` : type;
  const fallback = spec.opts.default === undefined ? "" : code(spec.opts.default);
  return `| \`--${spec.name}\`${alias} | ${typeText} | ${fallback} | ${choicesOf(spec.opts)} | ${cell(String(spec.opts.describe ?? ""))} |`;
}

function commandNames(command: MillraceCommand<unknown>): { usage: string; required: Set<string> } {
  const usage = [command.command].flat()[0] ?? "";
  const required = new Set([...usage.matchAll(/<([^>.]+)(?:\.\.)?>/g)].map((m) => m[1] ?? ""));
  return { usage, required };
}

/** `docs/cli.md`: every command, its arguments, options (with defaults and choices) and examples. */
export function renderCliReference(): string {
  const out: string[] = [
    "# CLI reference",
    "",
    "<!-- Generated from the command definitions in apps/cli/src/commands by `pnpm docs:generate`. Do not edit. -->",
    "",
    "`millrace <command> [options]`. Exit status: 0 ok, 1 failure, 2 usage error, 3 not initialized or",
    "refused state ([errors.md](errors.md) lists every error code). Every command that prints takes",
    "`--json`; [json-output.md](json-output.md) names the schema of each output.",
    "",
    "## Global options",
    "",
    "| Option | Type | Default | Choices | Description |",
    "|---|---|---|---|---|",
    ...GLOBAL_OPTIONS.map(optionRow),
    "",
  ];
  const commands = commandGroups.flat() as MillraceCommand<unknown>[];
  out.push("## Commands", "");
  for (const command of commands) {
    const { usage } = commandNames(command);
    out.push(`- [\`${usage}\`](#${anchor(usage)}) — ${cell(command.describe)}`);
  }
  out.push("");
  for (const command of commands) {
    const { usage, required } = commandNames(command);
    const specs = declaredArgs(command);
    out.push(`### ${usage}`, "", `\`millrace ${usage}\``, "", command.describe, "");
    const positionals = specs.filter((spec) => spec.kind === "positional");
    if (positionals.length > 0) {
      out.push("| Argument | Required | Choices | Description |", "|---|---|---|---|");
      for (const spec of positionals) {
        out.push(
          `| \`${spec.name}\` | ${required.has(spec.name) ? "yes" : "no"} | ${choicesOf(spec.opts)} | ${cell(String(spec.opts.describe ?? ""))}${spec.opts.default !== undefined ? ` (default ${code(spec.opts.default)})` : ""} |`,
        );
      }
      out.push("");
    }
    const options = specs.filter((spec) => spec.kind === "option");
    if (options.length > 0) {
      out.push("| Option | Type | Default | Choices | Description |", "|---|---|---|---|---|");
      out.push(...options.map(optionRow), "");
    }
    if (command.examples && command.examples.length > 0) {
      out.push("Examples:", "", "```sh");
      for (const [example, what] of command.examples) {
        out.push(`${example.replace(/^\$0/, "millrace")}    # ${what}`);
      }
      out.push("```", "");
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .trim()
    .replace(/ /g, "-");
}

// --- configuration reference

type JsonSchema = {
  type?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  default?: unknown;
};

/** Prose for a table, placed under its heading (the keys themselves are described in the schema). */
const TABLE_INTROS: Record<string, string> = {
  runtime: "What runs and how the daemon paces itself.",
  runners:
    "How each built-in runner starts its agent CLI. `millrace doctor` checks every runner the configured mode uses: executable, version, credentials and permission level.",
  "runners.codex":
    "The Codex CLI (`codex exec`). The credential it sends is `CODEX_API_KEY`, or a `codex login`.",
  "runners.pi":
    "The Pi coding agent in RPC mode. Pi has no sandbox: limit its tools through `args` (`--tools`).",
  "runners.claude": "Claude Code in print mode with a JSON event stream.",
  "runners.scripted":
    "The built-in scripted runner replays outcomes from a small script file; the demo and the tests use it.",
  recovery: "Bounds on the recovery loops, so a stuck item ends blocked instead of cycling forever.",
  watchers: "File watching in a daemon: new work and commands are noticed without polling.",
  usage_governance:
    "Pauses the runtime when token usage crosses a limit, and can resume it when usage drops back. Off by default.",
  "usage_governance.runtime_token_rules":
    "Limits on the tokens Millrace's own runs report. Writing any `rules` table replaces both defaults.",
  "usage_governance.subscription_quota_rules": "Limits on the provider subscription's own quota windows.",
  stages: "Per-stage settings, one table per stage name (`builder`, `checker`, `fixer`, `planner`, ...).",
  execution_capabilities:
    "What a stage may do (network, installs, git changes, ...), checked before it runs.",
  "execution_capabilities.defaults": "The decision (`allow`, `deny` or `approval_required`) per capability.",
};

/** Permission levels are read with a preprocessing step (normal → basic) that JSON Schema cannot show. */
const PERMISSION_LEVELS = "`basic`, `elevated`, `maximum` (`normal` means `basic`)";

function typeText(node: JsonSchema, key = ""): string {
  if (key === "permission_default") return PERMISSION_LEVELS;
  if (key.startsWith("permission_by_")) return `table of ${PERMISSION_LEVELS}`;
  if (node.enum) return node.enum.map((value) => `\`${String(value)}\``).join(", ");
  if (node.const !== undefined) return `\`${String(node.const)}\``;
  switch (node.type) {
    case "array":
      return node.items?.type === "object" ? "list of tables" : `list of ${node.items?.type ?? "values"}s`;
    case "object":
      return typeof node.additionalProperties === "object"
        ? `table of ${typeText(node.additionalProperties)}`
        : "table";
    case "number":
    case "integer": {
      const bounds: string[] = [];
      if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
      if (node.minimum !== undefined) bounds.push(`≥ ${node.minimum}`);
      if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER)
        bounds.push(`≤ ${node.maximum}`);
      return [node.type, ...bounds].join(" ");
    }
    default:
      return node.type ?? "value";
  }
}

function defaultText(value: unknown): string {
  if (value === undefined) return "unset";
  if (Array.isArray(value) && value.some((item) => typeof item === "object" && item !== null)) {
    return `${value.length} rules: ${value.map((item) => `\`${String((item as { rule_id?: unknown }).rule_id)}\``).join(", ")}`;
  }
  return `\`${JSON.stringify(value)}\``;
}

function isTable(node: JsonSchema): boolean {
  return node.type === "object" && node.properties !== undefined;
}

function renderConfigTable(
  out: string[],
  dotted: string,
  node: JsonSchema,
  defaults: Record<string, unknown> | undefined,
  header: string,
): void {
  const depth = dotted.split(".").length;
  out.push(`${depth === 1 ? "##" : "###"} \`${header}\``, "");
  if (TABLE_INTROS[dotted]) out.push(TABLE_INTROS[dotted], "");
  const properties = Object.entries(node.properties ?? {});
  const leaves = properties.filter(([, child]) => !isTable(child));
  if (leaves.length > 0) {
    out.push("| Key | Type | Default | Applied | Description |", "|---|---|---|---|---|");
    for (const [key, child] of leaves) {
      const path = `${dotted}.${key}`;
      const when = configApplyBoundary(path) === "recompile" ? "recompile" : "next tick";
      out.push(
        `| \`${key}\` | ${cell(typeText(child, key))} | ${cell(defaultText(defaults?.[key]))} | ${when} | ${cell(child.description ?? "")} |`,
      );
    }
    out.push("");
  }
  for (const [key, child] of leaves) {
    if (child.type === "array" && child.items && isTable(child.items)) {
      out.push(
        `Each \`[[${dotted}.${key}]]\` table:`,
        "",
        "| Key | Type | Default | Description |",
        "|---|---|---|---|",
      );
      for (const [itemKey, item] of Object.entries(child.items.properties ?? {})) {
        out.push(
          `| \`${itemKey}\` | ${cell(typeText(item))} | ${item.default === undefined ? "required" : `\`${JSON.stringify(item.default)}\``} | ${cell(item.description ?? "")} |`,
        );
      }
      out.push("");
    }
  }
  for (const [key, child] of properties.filter(([, c]) => isTable(c))) {
    renderConfigTable(
      out,
      `${dotted}.${key}`,
      child,
      defaults?.[key] as Record<string, unknown> | undefined,
      `[${dotted}.${key}]`,
    );
  }
}

/** `docs/configuration.md`: every key of millrace.toml with its type, default, when it applies and what it does. */
export function renderConfigurationReference(): string {
  const schema = JSON.parse(renderJsonSchema("millrace-config")) as JsonSchema;
  const defaults = MillraceConfigSchema.parse({}) as Record<string, unknown>;
  const out: string[] = [
    "# Configuration (`millrace.toml`)",
    "",
    "<!-- Generated from MillraceConfigSchema in packages/contracts/src/config.ts by `pnpm docs:generate`. Do not edit. -->",
    "",
    "Each workspace has one configuration file, `millrace-agents/millrace.toml`. `millrace init` seeds it",
    "from a commented template that lists every key with its default.",
    "",
    "- **Every key is optional.** A missing key takes its default; an empty file is the default",
    "  configuration.",
    "- **Tables merge, values replace.** Your file is laid over the defaults: a table you write changes",
    "  only the keys you name; a list (such as `args` or `rules`) replaces the default list whole.",
    "- **Unknown keys are errors.** A misspelt key is reported with its line, never ignored.",
    "- **Check before you run.** `millrace config validate` lists every problem (exit 1 when there is",
    "  one); `millrace config show` prints the effective configuration and its `config_version`.",
    "",
    "## Error messages",
    "",
    "Each problem names the dotted key, its line and what is expected:",
    "",
    "```text",
    "error: unknown key `runners.codex.bogus` at line 7; remove it (known keys: command, args, profile, …)",
    'error: `runtime.idle_sleep_seconds` at line 3 must be a number > 0, got "fast"',
    "```",
    "",
    "A syntax error has the code `config_parse_failed`, anything else `config_invalid`; both exit 1.",
    "",
    "## When a change applies",
    "",
    "A running daemon applies edits to `millrace.toml` at a safe point between stages. The **Applied**",
    "column says how:",
    "",
    "- **recompile**: the key shapes the compiled plan (which stages run, with which runner and model, how",
    "  far recovery loops go). Changing it makes the plan stale, and it is recompiled before the next stage.",
    "- **next tick**: everything else (pacing, watchers, governance, runner commands and environment),",
    "  applied at the next tick without touching the plan.",
    "",
  ];
  for (const [key, node] of Object.entries(schema.properties ?? {})) {
    const tableDefaults = defaults[key] as Record<string, unknown> | undefined;
    if (key === "stages" && typeof node.additionalProperties === "object") {
      renderConfigTable(out, key, node.additionalProperties, undefined, "[stages.<stage>]");
      continue;
    }
    renderConfigTable(out, key, node, tableDefaults, `[${key}]`);
  }
  out.push(
    "## Config version",
    "",
    "`config_version` (printed by `config show`, kept in the runtime snapshot) is `cfg-` plus the first 12",
    "hex digits of the sha256 of the effective configuration as canonical JSON (sorted keys, no",
    "whitespace), so two files that mean the same thing share a version.",
    "",
  );
  return `${out.join("\n").trimEnd()}\n`;
}

// --- troubleshooting

const GROUP_TITLES: Record<string, string> = {
  workspace: "Workspace folders and files",
  assets: "Managed baseline (assets)",
  config: "Configuration",
  lock: "Ownership lock",
  plan: "Compiled plan",
  queue: "Queue consistency",
  runners: "Runners",
};

const EXIT_TITLES: Record<number, string> = {
  1: "Exit 1: the command failed",
  2: "Exit 2: the command line is wrong",
  3: "Exit 3: the workspace is not initialized, or its state refuses the command",
};

const COMMON_SITUATIONS = [
  "## Start here",
  "",
  "1. Run `millrace doctor`. It checks everything below that can be checked without running a stage",
  "   and prints one line per problem with a hint; `millrace doctor --json` gives the same checks with",
  "   their codes. Fix errors first: they stop the runtime or make stages fail.",
  "2. Run `millrace status`. `process_running`, `paused` with `pause_sources`, the status markers and",
  "   `current_failure_class` tell you whether the runtime is moving and, if not, why.",
  "3. When a stage failed, `millrace runs ls`, then `millrace runs show <run_id>` and",
  "   `millrace runs tail <run_id>` show what the agent printed and which failure class was recorded",
  "   ([runners.md](runners.md) explains the failure classes).",
  "",
  "## Common situations",
  "",
  "- **Nothing happens after `add-task`.** Is a runtime running (`status` → `process_running`)? Start",
  "  one with `millrace run daemon`. Is it paused (`paused: true`)? `pause_sources` says by whom:",
  "  `operator` clears with `millrace resume`; usage governance clears by itself when usage drops.",
  "- **Every stage fails at once with `runner_auth_failure`.** The agent has no credential:",
  "  `doctor` shows `runner_credentials_missing` with the variable to set.",
  "- **`runner_binary_missing` although the CLI works in your shell.** The daemon's PATH differs",
  "  (tmux, a service manager): set `runners.<name>.command` to the absolute path.",
  "- **A crash or `kill -9` left things half done.** Start the runtime again: startup requeues or",
  "  resumes the interrupted stage. `doctor` may show `runtime_ownership_lock_stale` and",
  "  `queue_active_without_run` until then; `millrace clear-stale-state` resets at once.",
  "- **The plan is stale after you edited a mode, graph or `[stages]`.** Run `millrace compile",
  "  validate` to see the compile diagnostics; the runtime recompiles at its next start or safe point.",
  "- **A task keeps coming back blocked.** The recovery budgets in `[recovery]` were used up; read",
  "  the incident or the troubleshoot report named by `runs show`, fix the cause, then requeue with",
  "  the queue commands.",
  "",
];

/** `docs/troubleshooting.md`: where to start, common situations, every doctor check code and every error code. */
export function renderTroubleshooting(): string {
  const out: string[] = [
    "# Troubleshooting",
    "",
    "<!-- Generated by `pnpm docs:generate` from DOCTOR_CHECK_CODES (packages/scheduler/src/doctor/codes.ts), ERROR_CODES (packages/contracts/src/errors.ts) and the prose in apps/cli/src/reference.ts. Do not edit. -->",
    "",
    ...COMMON_SITUATIONS,
    "## Doctor check codes",
    "",
    "`millrace doctor --json` reports every check with a `code`, a `group`, a `status` (`ok`, `warning`,",
    "`error`), the `path` it concerns, a `message` and a `hint`. The codes are permanent. `ok` codes appear",
    "only in the JSON output. Doctor exits 1 when any check is an error.",
    "",
  ];
  const entries = Object.entries(DOCTOR_CHECK_CODES) as Array<
    [string, (typeof DOCTOR_CHECK_CODES)[keyof typeof DOCTOR_CHECK_CODES]]
  >;
  for (const [group, title] of Object.entries(GROUP_TITLES)) {
    const rows = entries.filter(([, entry]) => entry.group === group);
    if (rows.length === 0) continue;
    out.push(`### ${title}`, "", "| Code | Status | What it means | What to do |", "|---|---|---|---|");
    for (const [name, entry] of rows) {
      out.push(`| \`${name}\` | ${entry.status} | ${cell(entry.meaning)} | ${cell(entry.action)} |`);
    }
    out.push("");
  }
  out.push(
    "## Error codes",
    "",
    "A command that fails prints `error: <message>` and `hint: <what to do>` on stderr (with `--json`, a",
    '`{"error": {code, message, hint, details}}` object on stdout) and exits with the status of its code.',
    "The same list, sorted by code, is in [errors.md](errors.md).",
    "",
  );
  const errors = Object.entries(ERROR_CODES) as Array<
    [string, { exit: number; title: string; hint: string }]
  >;
  for (const exit of [1, 2, 3]) {
    out.push(`### ${EXIT_TITLES[exit]}`, "", "| Code | What happened | What to do |", "|---|---|---|");
    for (const [name, info] of errors
      .filter(([, info]) => info.exit === exit)
      .sort(([a], [b]) => a.localeCompare(b))) {
      out.push(`| \`${name}\` | ${cell(info.title)} | ${cell(info.hint)} |`);
    }
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}
