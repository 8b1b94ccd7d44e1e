import path from "node:path";
import type { Argv, CommandModule } from "yargs";
import { makePaint } from "./color.js";
import { type CliIO, type CommandContext, type GlobalArgs, keyValueLines } from "./io.js";
import { discoverWorkspace } from "./workspace-arg.js";

/** Exit status a handler may return; `undefined` means 0. */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers that print and succeed return nothing.
export type HandlerResult = number | undefined | void;

/** A command definition: yargs describes the arguments; the handler calls into a package and formats. */
export interface MillraceCommand<A = Record<string, unknown>> {
  command: string | string[];
  describe: string;
  builder?: (yargs: Argv) => Argv;
  examples?: Array<[string, string]>;
  handler(args: A & GlobalArgs, ctx: CommandContext): Promise<HandlerResult> | HandlerResult;
}

export interface RunState {
  exitCode: number;
  /** Whether text output is coloured (decided once per invocation, see color.ts). */
  color?: boolean;
}

export function makeContext(io: CliIO, args: GlobalArgs, color = false): CommandContext {
  const json = Boolean(args.json);
  return {
    io,
    json,
    paint: makePaint(color && !json),
    // `serve` takes --workspace more than once; every other command uses one (the first).
    workspace: path.resolve(
      io.cwd,
      (Array.isArray(args.workspace) ? args.workspace[0] : args.workspace) ?? ".",
    ),
    emit(text, value) {
      if (json) io.stdout(`${JSON.stringify(value, null, 2)}\n`);
      else io.stdout(typeof text === "function" ? text() : text);
    },
    line(text) {
      io.stdout(`${text}\n`);
    },
  };
}

export { keyValueLines };

/** Only `serve` takes --workspace more than once; elsewhere a repeat is a mistake worth naming. */
async function refuseRepeatedWorkspace(args: GlobalArgs, command: string): Promise<void> {
  if (command === "serve" || !Array.isArray(args.workspace)) return;
  // Loaded only on this error path, so the cold start stays light.
  const { MillraceError } = await import("@millrace/contracts");
  throw new MillraceError("usage_invalid_argument", `--workspace given ${args.workspace.length} times`, {
    hint: "Pass one --workspace (only `millrace serve` shows several workspaces).",
  });
}

/** Adapts a MillraceCommand to yargs; the handler's result becomes the process exit status. */
export function toYargs<A>(
  def: MillraceCommand<A>,
  io: CliIO,
  state: RunState,
): CommandModule<GlobalArgs, A & GlobalArgs> {
  return {
    command: def.command,
    describe: def.describe,
    builder: (yargs) => {
      let y = (def.builder ? def.builder(yargs as unknown as Argv) : yargs) as unknown as Argv;
      for (const [cmd, description] of def.examples ?? []) y = y.example(cmd, description);
      return y as unknown as Argv<A & GlobalArgs>;
    },
    handler: async (args) => {
      await refuseRepeatedWorkspace(args, String([def.command].flat()[0]).split(" ")[0] ?? "");
      await discoverWorkspace(args, io, String([def.command].flat()[0]).split(" ")[0] ?? "");
      const ctx = makeContext(io, args, state.color);
      const result = await def.handler(args as unknown as A & GlobalArgs, ctx);
      state.exitCode = result ?? 0;
    },
  };
}
