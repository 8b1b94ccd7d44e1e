/**
 * Cold start: importing every command module pulls in every package (and zod, execa, chokidar)
 * before the first line is printed. So the CLI maps each top-level command word to the one module
 * that defines it, and loads only that module for the command being run. Help for the whole CLI,
 * completion requests and words missing from this table fall back to loading every command
 * (`commandGroups` in commands/index.ts, which stays the single list of what exists).
 *
 * A test (help.e2e.test.ts) fails when a registered command is missing here.
 */
import type { MillraceCommand } from "./command.js";

// biome-ignore lint/suspicious/noExplicitAny: each command narrows its own argument type.
export type AnyCommand = MillraceCommand<any>;
type Loader = () => Promise<Record<string, unknown>>;

const queue: Loader = () => import("./commands/queue.js");
const control: Loader = () => import("./commands/control.js");
const sentinel: Loader = () => import("./commands/sentinel.js");

export const COMMAND_MODULES: Readonly<Record<string, Loader>> = {
  version: () => import("./commands/version.js"),
  completion: () => import("./commands/completion.js"),
  init: () => import("./commands/init.js"),
  upgrade: () => import("./commands/upgrade.js"),
  config: () => import("./commands/config.js"),
  doctor: () => import("./commands/doctor.js"),
  compile: () => import("./commands/compile.js"),
  modes: () => import("./commands/modes.js"),
  "model-aliases": () => import("./commands/model-aliases.js"),
  queue,
  "add-task": queue,
  "add-spec": queue,
  "add-idea": queue,
  incident: () => import("./commands/incident.js"),
  status: () => import("./commands/status.js"),
  runs: () => import("./commands/runs.js"),
  events: () => import("./commands/events.js"),
  usage: () => import("./commands/usage.js"),
  approvals: () => import("./commands/approvals.js"),
  interview: () => import("./commands/interview.js"),
  compounding: () => import("./commands/compounding.js"),
  skills: () => import("./commands/skills.js"),
  supervisor: () => import("./commands/supervisor.js"),
  serve: () => import("./commands/serve.js"),
  sentinel: sentinel,
  recovery: sentinel,
  run: () => import("./commands/run.js"),
  pause: control,
  resume: control,
  stop: control,
  "retry-active": control,
  "clear-stale-state": control,
  "reload-config": control,
  demo: () => import("./commands/demo.js"),
  publish: () => import("./commands/publish.js"),
  health: () => import("./commands/compat.js"),
  "run-provenance": () => import("./commands/compat.js"),
  logs: () => import("./commands/events.js"),
};

/** The first word of a command's usage string (`"queue <action> [id]"` → `"queue"`). */
export function commandWord(command: AnyCommand): string {
  return ([command.command].flat()[0] ?? "").split(" ")[0] ?? "";
}

function isCommand(value: unknown): value is AnyCommand {
  return (
    typeof value === "object" &&
    value !== null &&
    "command" in value &&
    "describe" in value &&
    typeof (value as { handler?: unknown }).handler === "function"
  );
}

/** Options that take a value, so the word after them is not the command. */
const VALUE_OPTIONS = new Set(["-w", "--workspace"]);

/** The command word argv names (the first positional), or undefined. */
export function requestedCommand(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i] as string;
    if (token === "--") return undefined;
    if (VALUE_OPTIONS.has(token)) {
      i += 1;
      continue;
    }
    if (token.startsWith("-")) continue;
    return token;
  }
  return undefined;
}

/** Every registered command, in help order. */
export async function loadAllCommands(): Promise<AnyCommand[]> {
  const { commandGroups } = await import("./commands/index.js");
  return commandGroups.flat();
}

/**
 * The commands to register for this argv: only the one named, when the table knows it; otherwise
 * all of them (top-level help, completion, an unknown word that deserves a "did you mean").
 */
export async function commandsFor(
  argv: readonly string[],
): Promise<{ commands: AnyCommand[]; all: boolean }> {
  const word = requestedCommand(argv);
  const wantsCompletion = argv.includes("--get-yargs-completions");
  const loader = word !== undefined && !wantsCompletion ? COMMAND_MODULES[word] : undefined;
  if (loader && Object.hasOwn(COMMAND_MODULES, word as string)) {
    const module = await loader();
    const found = Object.values(module)
      .flat()
      .filter(isCommand)
      .filter((command) => commandWord(command) === word);
    if (found.length > 0) return { commands: found.slice(0, 1), all: false };
  }
  return { commands: await loadAllCommands(), all: true };
}
