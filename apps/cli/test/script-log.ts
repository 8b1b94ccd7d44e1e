import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** One line of a script log: a script the process compiled, or a code cache file it opened. */
export type ScriptLogEntry =
  | { script: string; cached: boolean; rejected: boolean | null }
  | { opened: string };

const PRELOAD = `const fs = require("node:fs");
const vm = require("node:vm");
const { appendFileSync, openSync, readFileSync } = fs;
const log = (entry) => appendFileSync(process.env.SCRIPT_LOG, JSON.stringify(entry) + "\\n");
const Script = vm.Script;
vm.Script = class extends Script {
  constructor(code, options) {
    super(code, options);
    log({ script: String(options && options.filename), cached: Boolean(options && options.cachedData), rejected: this.cachedDataRejected ?? null });
  }
};
const watch = (file) => { if (String(file).endsWith(".v8cache")) log({ opened: String(file) }); };
fs.openSync = function (file, ...rest) { watch(file); return openSync.call(this, file, ...rest); };
fs.readFileSync = function (file, ...rest) { watch(file); return readFileSync.call(this, file, ...rest); };
require("node:module").syncBuiltinESMExports();
`;

/**
 * Writes a preload (`node -r <file>`, with SCRIPT_LOG naming the log) that logs every vm.Script a
 * process compiles (its file, whether it was handed a code cache, whether V8 refused it) and every
 * `*.v8cache` file it opens: how the e2e tests see what the hot-bundle loader did.
 */
export function writeScriptLogPreload(dir: string): string {
  const file = path.join(dir, "script-log.cjs");
  writeFileSync(file, PRELOAD);
  return file;
}

/** The entries of a script log, and empties it for the next run. */
export function takeScriptLog(file: string): ScriptLogEntry[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  writeFileSync(file, "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ScriptLogEntry);
}
