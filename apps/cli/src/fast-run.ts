import { useOneShotParsing } from "@millrace/contracts/one-shot-parsing";
import type { MillraceCommand } from "./command.js";
import { makeContext } from "./command.js";
import type { FastInvocation } from "./fast-path.js";
import { type CliIO, processIO } from "./io.js";
import { reportFailure } from "./report-failure.js";
import { discoverWorkspace } from "./workspace-arg.js";

// biome-ignore lint/suspicious/noExplicitAny: each command narrows its own argument type.
type AnyCommand = MillraceCommand<any>;

/** The module of each fast-path command (the installed CLI loads each from its own hot bundle, src/hot/). */
const FAST_MODULES: Readonly<Record<FastInvocation["module"], CommandModuleLoader>> = {
  status: () => import("./commands/status.js"),
  queue: () => import("./commands/queue.js"),
  runs: () => import("./commands/runs.js"),
  supervisor: () => import("./commands/supervisor.js"),
  run: () => import("./commands/run.js"),
};

/** Loads the module that defines a fast-path command. */
export type CommandModuleLoader = () => Promise<Record<string, unknown>>;

/**
 * The entry of one hot bundle (src/hot/, dist/hot-<command>.cjs, see fast.ts): a one-shot process
 * that turns zod's JIT off before the command module (and the schemas behind it) is loaded, and
 * uses its bundle's own `processIO` (io.ts recognises the process's streams by identity).
 */
export function hotEntry(
  load: CommandModuleLoader,
): (fast: FastInvocation, color: boolean | undefined, json: boolean) => Promise<number | undefined> {
  return (fast, color, json) => {
    useOneShotParsing();
    return runFastCommand(load, fast, processIO, color, json);
  };
}

/** Runs a command the fast path took (fast-path.ts), loading its module from this table. */
export function runFastInvocation(
  fast: FastInvocation,
  io: CliIO,
  color: boolean | undefined,
  json: boolean,
): Promise<number | undefined> {
  return runFastCommand(FAST_MODULES[fast.module], fast, io, color, json);
}

/**
 * Runs a command the fast path took with the same handler and arguments yargs would give it;
 * undefined when the module has no such command (the caller then goes through yargs).
 */
export async function runFastCommand(
  load: CommandModuleLoader,
  fast: FastInvocation,
  io: CliIO,
  color: boolean | undefined,
  json: boolean,
): Promise<number | undefined> {
  try {
    await discoverWorkspace(fast.args, io, fast.module);
    const module = await load();
    const command = Object.values(module).find(
      (value): value is AnyCommand =>
        typeof value === "object" &&
        value !== null &&
        "handler" in value &&
        String((value as AnyCommand).command).startsWith(fast.module),
    );
    if (command) return (await command.handler(fast.args, makeContext(io, fast.args, color))) ?? 0;
  } catch (error) {
    return reportFailure(io, error, json);
  }
  return undefined;
}
