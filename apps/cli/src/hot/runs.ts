import { useOneShotParsing } from "@millrace/contracts/one-shot-parsing";
import type { FastInvocation } from "../fast-path.js";
import { runFastCommand } from "../fast-run.js";
import { processIO } from "../io.js";

/**
 * Entry of the `runs` hot bundle (dist/hot-runs.js, see fast.ts). It uses this bundle's own
 * `processIO`: io.ts recognises the process's streams by identity (colour of stderr).
 */
export function runHot(
  fast: FastInvocation,
  color: boolean | undefined,
  json: boolean,
): Promise<number | undefined> {
  // A one-shot process: before the command module (and the schemas behind it) is loaded.
  useOneShotParsing();
  return runFastCommand(() => import("../commands/runs.js"), fast, processIO, color, json);
}
