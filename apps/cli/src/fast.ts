import { colorEnabled } from "./color.js";
import { rewriteCompatSpelling } from "./compat-aliases.js";
import { parseFastPath } from "./fast-path.js";
import type { runHot } from "./hot/status.js";
import { processIO } from "./io.js";

/**
 * The installed CLI's fast path (dist/fast.js, imported by bin.js). `status`, `queue ls`, `runs ls`
 * and `supervisor report` with only the common options run from their own hot bundle,
 * dist/hot-<command>.js (src/hot/<command>.ts), which bundle.mjs builds apart from the main bundle
 * and from each other, so each loads only the code and schemas its command uses. Anything else
 * returns undefined, and bin.js hands the argv to main(), which answers it as before.
 */
export async function fastMain(original: readonly string[]): Promise<number | undefined> {
  const argv = rewriteCompatSpelling(original);
  const fast = parseFastPath(argv);
  // `run` has no hot bundle: main() runs it from the main bundle, without yargs and with zod's JIT
  // on (one-shot parsing suits a process that exits, not a daemon).
  if (!fast || fast.module === "run") return undefined;
  const color = colorEnabled(processIO.env, argv, Boolean(processIO.isTTY));
  // A computed specifier: the hot bundles are files beside this one, built separately, so neither
  // tsc nor the bundler follows it.
  const entry = `./hot-${fast.module}.js`;
  const hot = (await import(entry)) as { runHot: typeof runHot };
  return hot.runHot(fast, color, argv.includes("--json"));
}
