import type { MillraceCommand } from "./command.js";
import { makeContext } from "./command.js";
import type { FastInvocation } from "./fast-path.js";
import type { CliIO } from "./io.js";
import { reportFailure } from "./report-failure.js";
import { discoverWorkspace } from "./workspace-arg.js";

// biome-ignore lint/suspicious/noExplicitAny: each command narrows its own argument type.
type AnyCommand = MillraceCommand<any>;

/**
 * The modules of the fast-path commands, and only those: the hot bundle (dist/fast.js, bundle.mjs)
 * is built from this table, so its tree-shaking keeps only what these four commands use.
 */
const FAST_MODULES: Readonly<Record<FastInvocation["module"], () => Promise<Record<string, unknown>>>> = {
  status: () => import("./commands/status.js"),
  queue: () => import("./commands/queue.js"),
  runs: () => import("./commands/runs.js"),
  supervisor: () => import("./commands/supervisor.js"),
};

/**
 * Runs a command the fast path took (fast-path.ts) with the same handler and arguments yargs would
 * give it; undefined when the module has no such command (the caller then goes through yargs).
 */
export async function runFastInvocation(
  fast: FastInvocation,
  io: CliIO,
  color: boolean | undefined,
  json: boolean,
): Promise<number | undefined> {
  try {
    await discoverWorkspace(fast.args, io, fast.module);
    const module = await FAST_MODULES[fast.module]();
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
