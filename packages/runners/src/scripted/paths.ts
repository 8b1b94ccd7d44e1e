import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { MillraceConfig } from "@millrace/contracts";

/**
 * The node entry the subprocess mode runs: the built package's `scripted/entry`, its bundle
 * (`entry.bundle.js`, one file to load: scripts/bundle-package-dist.mjs) when there is one, else
 * tsc's `entry.js`. This module runs from a bundle at the top of dist/ (node's usual case), from
 * tsc's per-file output beside the entry (the CLI's own build inlines that one), or from the
 * TypeScript sources under vitest (then the built copy in dist/).
 */
export const SCRIPTED_ENTRY_PATH = (() => {
  const candidates = ["./scripted/", "./", "../../dist/scripted/"].flatMap((folder) =>
    ["entry.bundle.js", "entry.js"].map((file) => fileURLToPath(new URL(folder + file, import.meta.url))),
  );
  return candidates.find((file) => existsSync(file)) ?? (candidates.at(-1) as string);
})();

/** The script file: `runners.scripted.script` (or an override), relative to the runtime root. */
export function scriptedScriptPath(
  ctx: { readonly config: MillraceConfig; readonly runtimeRoot: string },
  override?: string,
): string {
  const configured = override ?? ctx.config.runners.scripted.script;
  return path.isAbsolute(configured) ? configured : path.join(ctx.runtimeRoot, configured);
}
