import { spawn } from "node:child_process";
import { resolveExecutable } from "../process/containment/wrapper.js";

/** What `openUrl` did. Never throws: a browser that cannot be opened is the caller's line to print. */
export interface OpenUrlResult {
  readonly ok: boolean;
  /** The program started (absolute path), or null when none was found. */
  readonly opener: string | null;
  readonly detail: string;
}

/**
 * The program that opens a URL in the operator's browser: `$BROWSER` (its first `:`-separated
 * entry, as the convention has it), else `open` on macOS and `xdg-open` elsewhere.
 */
function openerCommand(env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform): string {
  const browser = env.BROWSER?.split(":")[0]?.trim();
  if (browser) return browser;
  return platform === "darwin" ? "open" : "xdg-open";
}

/**
 * Opens a URL in the operator's browser, detached: the browser outlives this process and is never
 * waited on or killed. An argument array, never a shell; the URL is one argument.
 */
export function openUrl(
  url: string,
  options: { env?: Readonly<Record<string, string | undefined>>; platform?: NodeJS.Platform } = {},
): OpenUrlResult {
  const env = options.env ?? process.env;
  const command = openerCommand(env, options.platform ?? process.platform);
  const opener = resolveExecutable(command, process.cwd(), env.PATH ?? "");
  if (!opener) {
    return {
      ok: false,
      opener: null,
      detail: `no browser opener found (${command} is not on PATH); set BROWSER or open the URL yourself`,
    };
  }
  try {
    const child = spawn(opener, [url], { detached: true, stdio: "ignore", env: { ...env } });
    child.on("error", () => {});
    child.unref();
    return { ok: true, opener, detail: `opened with ${opener}` };
  } catch (error) {
    return { ok: false, opener, detail: `cannot start ${opener}: ${(error as Error).message}` };
  }
}
