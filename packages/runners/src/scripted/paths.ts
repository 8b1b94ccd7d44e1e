import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { MillraceConfig } from "@millrace/contracts";

/**
 * The node entry the subprocess mode runs: the compiled `entry.js` beside this module (when this
 * module itself runs from TypeScript sources, e.g. under vitest, the built copy in dist/).
 */
export const SCRIPTED_ENTRY_PATH = (() => {
  const beside = fileURLToPath(new URL("./entry.js", import.meta.url));
  return existsSync(beside)
    ? beside
    : fileURLToPath(new URL("../../dist/scripted/entry.js", import.meta.url));
})();

/** The script file: `runners.scripted.script` (or an override), relative to the runtime root. */
export function scriptedScriptPath(
  ctx: { readonly config: MillraceConfig; readonly runtimeRoot: string },
  override?: string,
): string {
  const configured = override ?? ctx.config.runners.scripted.script;
  return path.isAbsolute(configured) ? configured : path.join(ctx.runtimeRoot, configured);
}
