// Where the pinned CLIs live once `scripts/install-clis.mjs` has run, and whether the suite must skip.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CLI_CACHE_DIR = process.env.MILLRACE_CONTRACT_CLIS_DIR ?? path.join(PACKAGE_ROOT, ".clis");

export type CliId = "codex" | "claude" | "pi";

export interface CliPin {
  id: CliId;
  package: string;
  version: string;
  /** Entry file relative to the package folder. */
  bin: string;
  /** What `--version` prints for the pinned version. */
  versionLine: string;
}

/** The pinned versions, from `cli-pins.json` (shared with scripts/install-clis.mjs). */
export const CLI_PINS: Record<CliId, CliPin> = (() => {
  const file = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "cli-pins.json"), "utf8")) as {
    pins: CliPin[];
  };
  const byId = Object.fromEntries(file.pins.map((pin) => [pin.id, pin]));
  for (const id of ["codex", "claude", "pi"] as const) {
    if (byId[id] === undefined) throw new Error(`cli-pins.json has no pin for ${id}`);
  }
  return byId as Record<CliId, CliPin>;
})();

export function cliPackageDir(id: CliId): string {
  return path.join(CLI_CACHE_DIR, "node_modules", ...CLI_PINS[id].package.split("/"));
}

/**
 * The argv prefix that starts a CLI: Node for the JavaScript launchers (Codex, Pi), the native
 * executable itself for Claude Code. Absolute paths, so no PATH lookup is involved.
 */
export function cliCommand(id: CliId): string[] {
  const entry = path.join(cliPackageDir(id), CLI_PINS[id].bin);
  return id === "claude" ? [entry] : [process.execPath, entry];
}

export function installedVersion(id: CliId): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(cliPackageDir(id), "package.json"), "utf8")) as {
      version?: string;
    };
    return manifest.version;
  } catch {
    return undefined;
  }
}

/** Written by the install script when the npm registry could not be reached. */
export const REGISTRY_UNREACHABLE_FILE = path.join(CLI_CACHE_DIR, "registry-unreachable");

/**
 * Why the suite skips, or undefined when it must run. The only accepted reason is an unreachable
 * registry; a CLI that is simply missing makes the tests fail, with the command that installs it.
 */
export function contractSkipReason(): string | undefined {
  if (!existsSync(REGISTRY_UNREACHABLE_FILE)) return undefined;
  const detail = readFileSync(REGISTRY_UNREACHABLE_FILE, "utf8").trim();
  return `the npm registry was unreachable when installing the agent CLIs (${detail})`;
}

export function missingCliMessage(id: CliId): string | undefined {
  const found = installedVersion(id);
  if (found === CLI_PINS[id].version) return undefined;
  return (
    `${CLI_PINS[id].package}@${CLI_PINS[id].version} is not installed in ${CLI_CACHE_DIR}` +
    (found ? ` (found ${found})` : "") +
    "; run `node scripts/install-clis.mjs` in packages/runner-contract-tests"
  );
}
