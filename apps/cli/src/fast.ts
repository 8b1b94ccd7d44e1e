import { colorEnabled } from "./color.js";
import { rewriteCompatSpelling } from "./compat-aliases.js";
import { parseFastPath } from "./fast-path.js";
import { runFastInvocation } from "./fast-run.js";
import { processIO } from "./io.js";

/**
 * The entry of the hot bundle (dist/fast.js, built apart from the main bundle by bundle.mjs):
 * `status`, `queue ls`, `runs ls` and `supervisor report` with only the common options run from
 * here, and load only the code those four commands use. Anything else returns undefined and
 * bin.js hands the argv to main(), which answers it exactly as before.
 */
export async function fastMain(original: readonly string[]): Promise<number | undefined> {
  const argv = rewriteCompatSpelling(original);
  const fast = parseFastPath(argv);
  if (!fast) return undefined;
  const color = colorEnabled(processIO.env, argv, Boolean(processIO.isTTY));
  return runFastInvocation(fast, processIO, color, argv.includes("--json"));
}
