// `docs/configuration.md` from MillraceConfigSchema (its JSON Schema and its defaults).
import {
  CONFIG_RANGE_KEYWORD,
  configApplyBoundary,
  MillraceConfigSchema,
  renderJsonSchema,
} from "./built.mjs";
import { cell } from "./markdown.mjs";

/** Prose for a table, placed under its heading (the keys themselves are described in the schema). */
const TABLE_INTROS = {
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
  model_aliases:
    "Named models, one table per alias id (`[model_aliases.fast]`); none is defined by default. See [model-aliases.md](model-aliases.md).",
  model_assignment:
    "Which alias each stage uses: by stage kind, else by loop, else the default. `[stages.<stage>]` model and thinking_level still win.",
};

/** Permission levels are read with a preprocessing step (normal → basic) that JSON Schema cannot show. */
const PERMISSION_LEVELS = "`basic`, `elevated`, `maximum` (`normal` means `basic`)";

function typeText(node, key = "") {
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
      const bounds = [];
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

/** A key's description, followed by its allowed range when it is a number. */
function descriptionText(node) {
  const range = node[CONFIG_RANGE_KEYWORD];
  const text = node.description ?? "";
  if (!range) return text;
  const bound = (value) =>
    Number.isInteger(value) && Math.abs(value) >= 1e6
      ? value.toExponential().replace("e+", "e")
      : String(value);
  const span = range.minExclusive
    ? `over ${bound(range.min)}, at most ${bound(range.max)}`
    : `${bound(range.min)} to ${bound(range.max)}`;
  return `${text} Range: ${span} ${range.unit}${range.integer ? ", whole numbers" : ""}.`.trim();
}

function defaultText(value) {
  if (value === undefined) return "unset";
  if (Array.isArray(value) && value.some((item) => typeof item === "object" && item?.rule_id !== undefined)) {
    return `${value.length} rules: ${value.map((item) => `\`${String(item.rule_id)}\``).join(", ")}`;
  }
  return `\`${JSON.stringify(value)}\``;
}

function isTable(node) {
  return node.type === "object" && node.properties !== undefined;
}

function renderConfigTable(out, dotted, node, defaults, header) {
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
        `| \`${key}\` | ${cell(typeText(child, key))} | ${cell(defaultText(defaults?.[key]))} | ${when} | ${cell(descriptionText(child))} |`,
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
          `| \`${itemKey}\` | ${cell(typeText(item))} | ${item.default === undefined ? "required" : `\`${JSON.stringify(item.default)}\``} | ${cell(descriptionText(item))} |`,
        );
      }
      out.push("");
    }
  }
  for (const [key, child] of properties.filter(([, c]) => isTable(c))) {
    renderConfigTable(out, `${dotted}.${key}`, child, defaults?.[key], `[${dotted}.${key}]`);
  }
}

/** `docs/configuration.md`: every key of millrace.toml with its type, default, when it applies and what it does. */
export function renderConfigurationReference() {
  const schema = JSON.parse(renderJsonSchema("millrace-config"));
  const defaults = MillraceConfigSchema.parse({});
  const out = [
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
    "Each problem names the dotted key, its line and what is expected. Every number has an allowed",
    "range (listed with its key below), checked when the file is validated: a value outside it is",
    "refused, never clamped.",
    "",
    "```text",
    "error: unknown key `runners.codex.bogus` at line 7; remove it (known keys: command, args, profile, …)",
    'error: `runtime.idle_sleep_seconds` at line 3 must be a number > 0, got "fast"',
    "error: `runtime.idle_sleep_seconds` at line 3 must be a number from 0.01 to 3600 (seconds), got 3000000; set a value in that range, or remove the key to use its default",
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
    const tableDefaults = defaults[key];
    if (key === "stages" && typeof node.additionalProperties === "object") {
      renderConfigTable(out, key, node.additionalProperties, undefined, "[stages.<stage>]");
      continue;
    }
    if (key === "model_aliases" && typeof node.additionalProperties === "object") {
      renderConfigTable(out, key, node.additionalProperties, undefined, "[model_aliases.<alias>]");
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
    "## The validated-config cache",
    "",
    "Reading `millrace.toml` means parsing TOML and checking every key, which is most of what a cold",
    "`millrace status` costs. So each valid file's effective configuration is kept in your own cache",
    "folder, never in a workspace, and the next process that reads the same text takes it from there.",
    "",
    "- **Where.** `MILLRACE_CACHE_DIR` when it is an absolute path, else `$XDG_CACHE_HOME/millrace`, else",
    "  `~/.cache/millrace`. `MILLRACE_CACHE_DIR=off` switches the cache off; a relative path does too.",
    "- **What.** One file per valid configuration text, named by a sha256 of the text, of the Millrace build",
    "  that validated it and of the Node version that ran it (its time-zone data decides",
    "  `calendar_timezone`). An edited file, another Millrace build or another Node never reads an",
    "  old entry. A file with a problem is never kept: it is checked, and reported, every time.",
    "- **Trust.** The folder is created private (mode 0700) and used only while it is a real folder",
    "  owned by you that no one else can read or write; otherwise there is no cache. Its entries are",
    "  trusted as your own files are, so do not point `MILLRACE_CACHE_DIR` at a folder others write to.",
    "- **Size.** At most 64 entries (a few KB each); the least recently written go first.",
    "",
  );
  return `${out.join("\n").trimEnd()}\n`;
}
