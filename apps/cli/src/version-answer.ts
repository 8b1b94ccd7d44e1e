import { cliVersion } from "./version.js";

/**
 * What the CLI prints for the `--version` and `-v` flags and the `version` command (each alone,
 * `--json` at most beside it), or undefined for any other argv. The launcher answers these before the
 * main bundle loads, so printing the version costs little more than starting node; main() gives the
 * same answer for in-process callers.
 */
export function versionAnswer(argv: readonly string[]): string | undefined {
  const json = argv.includes("--json");
  const rest = argv.filter((token) => token !== "--json");
  if (rest.length !== 1 || !["--version", "-v", "version"].includes(rest[0] as string)) return undefined;
  return json
    ? `${JSON.stringify({ name: "millrace", version: cliVersion, node: process.version }, null, 2)}\n`
    : `millrace ${cliVersion}\n`;
}
