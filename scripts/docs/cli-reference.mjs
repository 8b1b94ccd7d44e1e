// `docs/cli.md` from the yargs definitions in the CLI's command table.
import { COMPAT_SPELLINGS, commandGroups } from "./built.mjs";
import { cell, code } from "./markdown.mjs";

/** @typedef {{ name: string, kind: "positional" | "option", opts: Record<string, unknown> }} ArgSpec */

/** Runs a command's builder against a recorder that keeps what it declares and ignores the rest. */
function declaredArgs(command) {
  /** @type {ArgSpec[]} */
  const specs = [];
  const recorder = new Proxy(
    {},
    {
      get(_target, property) {
        return (...args) => {
          if (property === "positional" || property === "option") {
            specs.push({ name: String(args[0]), kind: property, opts: args[1] ?? {} });
          }
          return recorder;
        };
      },
    },
  );
  command.builder?.(recorder);
  return specs;
}

/** @type {ArgSpec[]} */
const GLOBAL_OPTIONS = [
  {
    name: "workspace",
    kind: "option",
    opts: {
      alias: "w",
      type: "string",
      describe:
        "Workspace root (default: the nearest folder upward holding millrace-agents/, else the current folder)",
    },
  },
  {
    name: "json",
    kind: "option",
    opts: { type: "boolean", default: false, describe: "Print machine-readable JSON" },
  },
  {
    name: "color",
    kind: "option",
    opts: {
      type: "boolean",
      describe: "Colour text output (default: on a terminal; --no-color or NO_COLOR turn it off)",
    },
  },
  {
    name: "version",
    kind: "option",
    opts: { alias: "v", type: "boolean", describe: "Print the Millrace version (alone, before any command)" },
  },
  {
    name: "help",
    kind: "option",
    opts: { alias: "h", type: "boolean", describe: "Show help for the command" },
  },
];

function choicesOf(opts) {
  const choices = opts.choices;
  return choices && choices.length > 0 ? choices.map(code).join(", ") : "";
}

function optionRow(spec) {
  const alias = spec.opts.alias ? `, \`-${spec.opts.alias}\`` : "";
  const type = spec.opts.choices ? "choice" : String(spec.opts.type ?? "string");
  const typeText = spec.opts.array ? `${type} (repeatable)` : type;
  const fallback = spec.opts.default === undefined ? "" : code(spec.opts.default);
  return `| \`--${spec.name}\`${alias} | ${typeText} | ${fallback} | ${choicesOf(spec.opts)} | ${cell(String(spec.opts.describe ?? ""))} |`;
}

function commandNames(command) {
  const usage = [command.command].flat()[0] ?? "";
  const required = new Set([...usage.matchAll(/<([^>.]+)(?:\.\.)?>/g)].map((m) => m[1] ?? ""));
  return { usage, required };
}

function anchor(heading) {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .trim()
    .replace(/ /g, "-");
}

function commandSection(command) {
  const { usage, required } = commandNames(command);
  const specs = declaredArgs(command);
  const out = [`### ${usage}`, "", `\`millrace ${usage}\``, "", command.describe, ""];
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
  return out;
}

/** `docs/cli.md`: every command, its arguments, options (with defaults and choices) and examples. */
export function renderCliReference() {
  const out = [
    "# CLI reference",
    "",
    "<!-- Generated from the command definitions in apps/cli/src/commands by `pnpm docs:generate`. Do not edit. -->",
    "",
    "`millrace <command> [options]`. Exit status: 0 ok, 1 failure, 2 usage error, 3 not initialized or",
    "refused state ([errors.md](errors.md) lists every error code). Every command that prints takes",
    "`--json`; [json-output.md](json-output.md) names the schema of each output. After Ctrl-C, a",
    "long-running command (`run daemon`, `status watch`, `runs tail --follow`) stops cleanly and exits",
    "130 (143 after SIGTERM).",
    "",
    "## Global options",
    "",
    "| Option | Type | Default | Choices | Description |",
    "|---|---|---|---|---|",
    ...GLOBAL_OPTIONS.map(optionRow),
    "",
  ];
  const commands = commandGroups.flat();
  out.push("## Commands", "");
  for (const command of commands) {
    const { usage } = commandNames(command);
    out.push(`- [\`${usage}\`](#${anchor(usage)}) — ${cell(command.describe)}`);
  }
  out.push("");
  out.push(
    "## Compatibility spellings",
    "",
    "The original Millrace's command names that differ from ours are accepted as aliases:",
    "",
    "| You type | Runs |",
    "|---|---|",
    ...COMPAT_SPELLINGS.map((s) => `| \`millrace ${s.spelling}\` | \`millrace ${s.target}\` |`),
    "",
  );
  for (const command of commands) out.push(...commandSection(command));
  return `${out.join("\n").trimEnd()}\n`;
}
