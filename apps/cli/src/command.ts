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
  /** Takes `--workspace` more than once (the supervisor's fleet view); other commands refuse that. */
  manyWorkspaces?: boolean;
  handler(args: A & GlobalArgs, ctx: CommandContext): Promise<HandlerResult> | HandlerResult;
}

export interface RunState {
  exitCode: number;
  /** Whether text output is coloured (decided once per invocation, see color.ts). */
  color?: boolean;
}

export function makeContext(
  io: CliIO,
  args: GlobalArgs,
  color = false,
  workspaces: readonly string[] = [],
): CommandContext {
  const json = Boolean(args.json);
  const workspace = path.resolve(io.cwd, args.workspace ?? ".");
  return {
    io,
    json,
    paint: makePaint(color && !json),
    workspace,
    workspaces: workspaces.length > 0 ? workspaces.map((dir) => path.resolve(io.cwd, dir)) : [workspace],
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
      const many = await repeatedWorkspaces(args, def.manyWorkspaces === true);
      await discoverWorkspace(args, io, String([def.command].flat()[0]).split(" ")[0] ?? "");
      const ctx = makeContext(io, args, state.color, many);
      const result = await def.handler(args as unknown as A & GlobalArgs, ctx);
      state.exitCode = result ?? 0;
    },
  };
}

/**
 * `--workspace` given several times arrives as an array: the fleet command takes them all (the
 * first becomes the context's workspace); every other command refuses with a usage error.
 */
async function repeatedWorkspaces(args: GlobalArgs, allowed: boolean): Promise<string[]> {
  const given = args.workspace as unknown;
  if (!Array.isArray(given)) return [];
  if (!allowed) {
    // Loaded only here: the common path stays free of zod for a fast start.
    const { MillraceError } = await import("@millrace/contracts");
    throw new MillraceError("usage_invalid_argument", `--workspace was given ${given.length} times`, {
      hint: "Give --workspace once; only `millrace supervisor report` and `millrace serve` take several.",
    });
  }
  const dirs = given.map(String);
  args.workspace = dirs[0];
  (args as unknown as Record<string, unknown>).w = dirs[0];
  return dirs;
}
