import type { MonitorEvent } from "@millrace/scheduler";
import type { CommandContext } from "../io.js";
import { LiveStageBoard } from "../live-stages.js";

/** How often the elapsed time of the live lines is refreshed. */
const REFRESH_MS = 1000;

export interface LiveDisplay {
  listener(event: MonitorEvent): void;
  /** Clears the live lines (permanent lines stay) and stops refreshing. */
  close(): void;
}

/**
 * The daemon's live lines on a terminal: the stages in flight are redrawn in place at the bottom
 * (cursor up, clear to the end of the screen), completed stages scroll above them.
 */
export function liveDisplay(ctx: CommandContext, now: () => number = Date.now): LiveDisplay {
  const board = new LiveStageBoard();
  const { paint } = ctx;
  let drawn = 0;
  const redraw = (permanent: string[]) => {
    const live = board.activeLines(now());
    const erase = drawn > 0 ? `\u001b[${drawn}F\u001b[J` : "";
    const above = permanent.map(
      (line) => `${line.startsWith("done") ? paint.green("✓") : paint.yellow("!")} ${line}\n`,
    );
    const below = live.map((line) => `${paint.cyan("…")} ${line}\n`);
    if (erase === "" && above.length === 0 && below.length === 0) return;
    ctx.io.stdout(erase + above.join("") + below.join(""));
    drawn = below.length;
  };
  const timer = setInterval(() => redraw([]), REFRESH_MS);
  timer.unref();
  return {
    listener(event) {
      redraw(board.apply(event));
    },
    close() {
      clearInterval(timer);
      if (drawn > 0) ctx.io.stdout(`\u001b[${drawn}F\u001b[J`);
      drawn = 0;
    },
  };
}
