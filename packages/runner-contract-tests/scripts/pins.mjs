// The pinned agent CLIs (from cli-pins.json) and where they are cached, for the install script.
// src/clis.ts reads the same file for the tests.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CLI_CACHE_DIR = process.env.MILLRACE_CONTRACT_CLIS_DIR ?? path.join(PACKAGE_ROOT, ".clis");

/** Written when the npm registry cannot be reached; the suite then skips, loudly. */
export const REGISTRY_UNREACHABLE_FILE = path.join(CLI_CACHE_DIR, "registry-unreachable");

export const CLI_PINS = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "cli-pins.json"), "utf8")).pins;

export function packageDir(name) {
  return path.join(CLI_CACHE_DIR, "node_modules", ...name.split("/"));
}

export function installedVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(packageDir(name), "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}
