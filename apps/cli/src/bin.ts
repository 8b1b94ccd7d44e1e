#!/usr/bin/env node
import nodeModule from "node:module";
import { versionAnswer } from "./version-answer.js";

// Node 22.1+ can keep compiled code between runs, which shortens every cold start; a no-op on
// Node 20. It must be switched on before main.js and the packages behind it are loaded.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// A reader that stops early (`millrace queue ls --json | head`) closes the pipe: stop quietly,
// as other command-line tools do, instead of crashing on EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

const argv = process.argv.slice(2);
const version = versionAnswer(argv);
if (version !== undefined) {
  process.stdout.write(version);
} else {
  // The hot bundle (dist/fast.js) answers status, queue ls, runs ls and supervisor report with the
  // common options; everything else goes to main() and yargs.
  const { fastMain } = await import("./fast.js");
  const answered = await fastMain(argv);
  if (answered !== undefined) process.exitCode = answered;
  else {
    const { main } = await import("./main.js");
    process.exitCode = await main(argv);
  }
}
