import { readFileSync } from "node:fs";

/** The CLI's own version, read from its package.json (shipped beside dist/). */
export const cliVersion: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
