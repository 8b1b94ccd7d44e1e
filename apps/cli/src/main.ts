import yargs from "yargs";
import { type MillraceCommand, type RunState, toYargs } from "./command.js";
import { commandGroups } from "./commands/index.js";
import { type CliIO, processIO, reportError } from "./io.js";
import { cliVersion } from "./version.js";

export interface MainOptions {
  io?: CliIO;
}

/** Runs the CLI and returns the exit status; never calls process.exit. */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? processIO;
  const state: RunState = { exitCode: 0 };
  const wantsJson = argv.includes("--json");
  let usageError: string | undefined;
  const parser = yargs(argv)
    .scriptName("millrace")
    .usage("$0 <command> [options]\n\nA governed runtime for long-running coding-agent work.")
    .option("workspace", {
      alias: "w",
      type: "string",
      default: ".",
      describe: "Workspace root (the repository Millrace works in)",
      global: true,
    })
    .option("json", { type: "boolean", default: false, describe: "Print machine-readable JSON", global: true })
    .strict()
    .demandCommand(1, "Missing command: run `millrace --help` to see the commands.")
    .recommendCommands()
    .version(false)
    .help("help")
    .alias("help", "h")
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      usageError = message;
    });
  for (const command of commandGroups.flat() as MillraceCommand<unknown>[]) {
    parser.command(toYargs(command, io, state) as never);
  }
  try {
    let helpText = "";
    await parser.parseAsync(argv, {}, (_err: unknown, _argv: unknown, output: string) => {
      helpText = output;
    });
    if (usageError !== undefined) {
      if (wantsJson) {
        io.stdout(
          `${JSON.stringify({ error: { code: "usage_invalid_argument", message: usageError, hint: "Run `millrace --help`.", details: {} } })}\n`,
        );
      } else {
        const known = commandGroups.flat().some((c) => [c.command].flat()[0]?.split(" ")[0] === argv[0]);
        io.stderr(`error: ${usageError}\nhint: run \`millrace ${known ? `${argv[0]} ` : ""}--help\`\n`);
      }
      return 2;
    }
    if (helpText) io.stdout(`${helpText}\n`);
    return state.exitCode;
  } catch (error) {
    return reportError(io, error, wantsJson);
  }
}

export { cliVersion };
