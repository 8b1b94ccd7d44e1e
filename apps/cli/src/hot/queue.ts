import type { FastInvocation } from "../fast-path.js";
import { runFastCommand } from "../fast-run.js";
import type { CliIO } from "../io.js";

/** Entry of the `queue` hot bundle (dist/hot-queue.js, see fast.ts). */
export function runHot(
  fast: FastInvocation,
  io: CliIO,
  color: boolean | undefined,
  json: boolean,
): Promise<number | undefined> {
  return runFastCommand(() => import("../commands/queue.js"), fast, io, color, json);
}
