import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import {
  configFingerprint,
  parseConfigText,
  readConfigFile,
  requireInitialized,
  validateConfigText,
} from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";
import type { CommandContext } from "../io.js";

interface ConfigArgs {
  config?: string;
}

function configSource(args: ConfigArgs, ctx: CommandContext): { file: string; text: string } {
  const file = args.config
    ? path.resolve(ctx.io.cwd, args.config)
    : requireInitialized(ctx.workspace).configFile;
  // Only a file the operator names may be a link; the workspace's own millrace.toml may not.
  const text = readConfigFile(file, { followLinks: Boolean(args.config) });
  if (text !== undefined) return { file, text };
  if (!args.config) return { file, text: "" };
  throw new MillraceError("not_found", `cannot read config file ${file}: it does not exist`, {
    hint: "Check the path given to --config.",
  });
}

function showConfig(args: ConfigArgs, ctx: CommandContext): number {
  const { file, text } = configSource(args, ctx);
  const config = parseConfigText(text, file);
  const version = configFingerprint(config);
  ctx.emit(() => keyValueLines({ config_file: file, config_version: version }) + keyValueLines(config), {
    config_file: file,
    config_version: version,
    config,
  });
  return 0;
}

function validateConfig(args: ConfigArgs, ctx: CommandContext): number {
  const { file, text } = configSource(args, ctx);
  const result = validateConfigText(text, file);
  const problems = result.problems.map((p) => ({ key: p.key, line: p.line, message: p.message }));
  ctx.emit(
    () =>
      keyValueLines({ config_file: file, ok: result.ok, errors: problems.length }) +
      problems.map((p) => `error: ${p.message}\n`).join(""),
    {
      ok: result.ok,
      config_file: file,
      code: result.ok ? null : result.code,
      config_version: result.ok ? configFingerprint(result.config) : null,
      problems,
    },
  );
  return result.ok ? 0 : 1;
}

/**
 * `config show` prints the effective configuration (defaults merged with the file); `config
 * validate` lists every problem and exits 1 when there is one.
 */
export const configCommand: MillraceCommand<ConfigArgs & { action: "show" | "validate" }> = {
  command: "config <action>",
  describe: "Show the effective configuration, or validate millrace.toml",
  builder: (yargs) =>
    yargs
      .positional("action", {
        choices: ["show", "validate"] as const,
        describe: "show: effective config (defaults + file); validate: syntax, keys, types and values",
      })
      .option("config", {
        type: "string",
        describe: "Config file to use instead of <workspace>/millrace-agents/millrace.toml",
      }),
  examples: [
    ["$0 config show --json", "The effective configuration as JSON"],
    ["$0 config validate", "List every problem in millrace.toml (exit 1 when there is one)"],
  ],
  handler(args, ctx) {
    if (args.action !== "show" && args.action !== "validate") {
      throw new MillraceError(
        "usage_invalid_argument",
        `unknown config action ${JSON.stringify(args.action)}`,
        {
          hint: "Use `millrace config show` or `millrace config validate`.",
        },
      );
    }
    return args.action === "show" ? showConfig(args, ctx) : validateConfig(args, ctx);
  },
};
