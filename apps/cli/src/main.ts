// Keep this module's static imports light: command modules (and the packages behind them) load
// on demand through command-loader.ts, and yargs itself only when the fast path does not apply;
// that is what keeps cold start inside the budget.
import { colorEnabled } from "./color.js";
import { type RunState, toYargs } from "./command.js";
import { type AnyCommand, COMMAND_MODULES, commandsFor } from "./command-loader.js";
import { compatEpilogue, rewriteCompatSpelling } from "./compat-aliases.js";
import { parseFastPath } from "./fast-path.js";
import { runFastInvocation } from "./fast-run.js";
import { type CliIO, helpWidth, processIO } from "./io.js";
import { reportFailure } from "./report-failure.js";
import { cliVersion } from "./version.js";
import { versionAnswer } from "./version-answer.js";

export interface MainOptions {
  io?: CliIO;
}

class UsageError extends Error {
  override name = "UsageError";
}

function printUsageError(io: CliIO, argv: string[], message: string, json: boolean): number {
  if (json) {
    io.stdout(
      `${JSON.stringify({ error: { code: "usage_invalid_argument", message, hint: "Run `millrace --help`.", details: {} } })}\n`,
    );
  } else {
    const known = argv[0] !== undefined && Object.hasOwn(COMMAND_MODULES, argv[0]);
    io.stderr(`error: ${message}\nhint: run \`millrace ${known ? `${argv[0]} ` : ""}--help\`\n`);
  }
  return 2;
}

/** Runs the CLI and returns the exit status; never calls process.exit. */
export async function main(original: string[], options: MainOptions = {}): Promise<number> {
  const argv = rewriteCompatSpelling(original);
  const io = options.io ?? processIO;
  const wantsJson = argv.includes("--json");
  const state: RunState = { exitCode: 0, color: colorEnabled(io.env, argv, Boolean(io.isTTY)) };
  // `--version`, `-v` or `version` alone (with --json at most): answered before anything is loaded.
  const version = versionAnswer(argv);
  if (version !== undefined) {
    io.stdout(version);
    return 0;
  }
  if (argv.includes("--get-yargs-completions")) {
    const ids = await (await import("./id-completion.js")).completeIds(argv, io);
    if (ids !== undefined) {
      io.stdout(ids.map((id) => `${id}\n`).join(""));
      return 0;
    }
  }
  const fast = parseFastPath(argv);
  if (fast) {
    const code = await runFastInvocation(fast, io, state.color, wantsJson);
    if (code !== undefined) return code;
  }
  let commands: AnyCommand[];
  try {
    ({ commands } = await commandsFor(argv));
  } catch (error) {
    return reportFailure(io, error, wantsJson);
  }
  const { default: yargs } = await import("yargs");
  const parser = yargs(argv)
    .scriptName("millrace")
    // Off before the `version` option is declared: main() answers --version / -v itself, unloaded.
    .version(false)
    .usage("$0 <command> [options]\n\nA governed runtime for long-running coding-agent work.")
    .option("workspace", {
      alias: "w",
      type: "string",
      describe:
        "Workspace root (default: the nearest folder upward holding millrace-agents/, else the current folder)",
      global: true,
    })
    .option("color", {
      type: "boolean",
      describe: "Colour text output (default: on a terminal; --no-color or NO_COLOR turn it off)",
      global: true,
    })
    .option("version", {
      alias: "v",
      type: "boolean",
      describe: "Print the Millrace version (alone, before any command)",
      global: false,
    })
    .option("json", {
      type: "boolean",
      default: false,
      describe: "Print machine-readable JSON",
      global: true,
    })
    .strict()
    .demandCommand(1, "Missing command: run `millrace --help` to see the commands.")
    .recommendCommands()
    .epilogue(compatEpilogue())
    .help("help")
    .alias("help", "h")
    .wrap(helpWidth(io))
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      // Throwing stops yargs before any handler runs.
      throw new UsageError(message);
    });
  for (const command of commands) {
    parser.command(toYargs(command, io, state) as never);
  }
  try {
    let helpText = "";
    await parser.parseAsync(argv, {}, (_err: unknown, _argv: unknown, output: string) => {
      helpText = output;
    });
    if (helpText) io.stdout(`${helpText}\n`);
    return state.exitCode;
  } catch (error) {
    if (error instanceof UsageError) {
      const flat = error.message.replace(/\s*\n\s*/g, " ").trim();
      const message = flat.startsWith("Did you mean") ? `Unknown command: ${argv[0]}. ${flat}` : flat;
      return printUsageError(io, argv, message, wantsJson);
    }
    return reportFailure(io, error, wantsJson);
  }
}

export { cliVersion };
