import nodeModule from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { hotBundleLoader, loadHotBundle, requireHotBundle } from "./cached-script-loader.js";
import { readCodeCache } from "./code-cache-file.js";
import { colorEnabled } from "./color.js";
import { rewriteCompatSpelling } from "./compat-aliases.js";
import { parseFastPath } from "./fast-path.js";
import type { runHot } from "./hot/status.js";
import { processIO } from "./io.js";
import { resolveOwnPackage } from "./own-package-resolve.js";

/**
 * The installed CLI's fast path, part of the launcher (src/launch.ts, dist/bin.cjs). `status`,
 * `queue ls`, `runs ls` and `supervisor report` with only the common options run from their own hot
 * bundle, dist/hot-<command>.cjs (src/hot/<command>.ts), which bundle.mjs builds apart from the main
 * bundle and from each other, so each loads only the code and schemas its command uses. It runs
 * with the V8 code cache the build wrote beside it (dist/hot-<command>.v8cache,
 * cached-script-loader.ts), read from this file's own folder only: a cache is code, so one from
 * anywhere else would be a way to run it. On a node whose V8 that cache does not fit, and which
 * keeps a compile cache of its own (Node 22.1+), the bundle goes through node's own loader so that
 * node's cache covers it. Anything else returns undefined, and the launcher hands the argv to
 * main(), which answers it as before.
 */
export async function fastMain(original: readonly string[]): Promise<number | undefined> {
  const argv = rewriteCompatSpelling(original);
  const fast = parseFastPath(argv);
  // `run` has no hot bundle: main() runs it from the main bundle, without yargs and with zod's JIT
  // on (one-shot parsing suits a process that exits, not a daemon).
  if (!fast || fast.module === "run") return undefined;
  const color = colorEnabled(processIO.env, argv, Boolean(processIO.isTTY));
  const dist = path.dirname(fileURLToPath(import.meta.url));
  const entry = `hot-${fast.module}.cjs`;
  const cache = readCodeCache(path.join(dist, `hot-${fast.module}.v8cache`));
  const resolve = (specifier: string) => resolveOwnPackage(specifier, dist);
  // The shipped cache is for the node that built the package; any other node with a compile cache
  // of its own (22.1+, the launcher switched it on) loads the bundle through its own loader instead.
  const compileCacheDir = (
    nodeModule as { getCompileCacheDir?: () => string | undefined }
  ).getCompileCacheDir?.();
  const hot = (
    hotBundleLoader(cache !== undefined, compileCacheDir) === "require"
      ? requireHotBundle(dist, entry, resolve)
      : loadHotBundle(dist, entry, { cache, resolve })
  ) as { runHot: typeof runHot };
  return hot.runHot(fast, color, argv.includes("--json"));
}
