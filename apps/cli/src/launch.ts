#!/usr/bin/env node
import nodeModule from "node:module";
import { fastMain } from "./fast.js";
import { versionAnswer } from "./version-answer.js";

// The `millrace` executable (dist/bin.cjs). It is built as CommonJS (bundle.mjs): a CommonJS entry
// spares every run node's ES module loader, which reads the whole export list of each built-in it
// imports (`node:fs` alone loads node's streams) and costs several milliseconds before any of our
// code runs (docs/performance.md). It answers `--version` and the fast-path commands itself and
// loads the full CLI (dist/cli.js, ES modules, yargs) for anything else.

// Node 22.1+ can keep compiled code between runs, which shortens every cold start; a no-op on
// Node 20. It must be switched on before the bundles behind it are loaded.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// A reader that stops early (`millrace queue ls --json | head`) closes the pipe: stop quietly,
// as other command-line tools do, instead of crashing on EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

/**
 * Ends a fast-path run once its answer has left the process. Left to itself, node would wait at
 * exit for V8's background optimizing compiles, 6-9 ms after a cold `status` has written its answer
 * (docs/performance.md, sixth pass); `process.exit` drops the queued ones. stdout and stderr are
 * flushed first: on a platform where pipes are written asynchronously an exit would cut them.
 */
function exitOnceFlushed(code: number): void {
  process.exitCode = code;
  const pending = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0);
  let left = pending.length;
  if (left === 0) process.exit(code);
  for (const stream of pending)
    stream.write("", () => {
      left -= 1;
      if (left === 0) process.exit(code);
    });
}

/** The exit status of a run answered here (`--version`, the fast path), or undefined for the full CLI. */
async function answerFast(argv: string[]): Promise<number | undefined> {
  const version = versionAnswer(argv);
  if (version !== undefined) {
    process.stdout.write(version);
    return 0;
  }
  return fastMain(argv);
}

async function launch(argv: string[]): Promise<void> {
  const answered = await answerFast(argv);
  if (answered !== undefined) return exitOnceFlushed(answered);
  // The full CLI ends as it always has: when its work is done and nothing is left to run.
  const { main } = await import("./cli.js");
  process.exitCode = await main(argv);
}

launch(process.argv.slice(2)).catch((error: unknown) => {
  // main() and the hot bundles report their own failures; this is a failure to load the CLI itself.
  process.stderr.write(
    `millrace: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
