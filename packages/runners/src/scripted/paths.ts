import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { MillraceConfig } from "@millrace/contracts";

/**
 * The node entry the subprocess mode runs: `scripted/entry.js` of the built package. This module
 * runs from the package's bundle at the top of dist/ (the usual case: `./scripted/entry.js`), from
 * tsc's per-file output beside the entry (`./entry.js`), or from the TypeScript sources under
 * vitest (the built copy in dist/).
 */
export const SCRIPTED_ENTRY_PATH = (() => {
  const candidates = ["./scripted/entry.js", "./entry.js"].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  return (
    candidates.find((file) => existsSync(file)) ??
    fileURLToPath(new URL("../../dist/scripted/entry.js", import.meta.url))
  );
})();

/** The script file: `runners.scripted.script` (or an override), relative to the runtime root. */
export function scriptedScriptPath(
  ctx: { readonly config: MillraceConfig; readonly runtimeRoot: string },
  override?: string,
): string {
  const configured = override ?? ctx.config.runners.scripted.script;
  return path.isAbsolute(configured) ? configured : path.join(ctx.runtimeRoot, configured);
}
