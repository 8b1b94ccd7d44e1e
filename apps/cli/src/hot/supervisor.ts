import type { FastInvocation } from "../fast-path.js";
import { runFastCommand } from "../fast-run.js";
import type { CliIO } from "../io.js";

/** Entry of the `supervisor` hot bundle (dist/hot-supervisor.js, see fast.ts). */
export function runHot(
  fast: FastInvocation,
  io: CliIO,
  color: boolean | undefined,
  json: boolean,
): Promise<number | undefined> {
  return runFastCommand(() => import("../commands/supervisor.js"), fast, io, color, json);
}
