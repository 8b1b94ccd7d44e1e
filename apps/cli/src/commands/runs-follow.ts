import { closeSync, openSync, readSync, statSync } from "node:fs";
import { neutralizeControlChars } from "@millrace/contracts/terminal-text";
import { listenForInterrupt, sleepUnlessAborted } from "../interrupt.js";
import type { CommandContext } from "../io.js";

/** How often `runs tail --follow` looks for new bytes. */
export const FOLLOW_POLL_MS = 200;

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function readRange(file: string, start: number, end: number): string {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(end - start);
    const read = readSync(fd, buffer, 0, buffer.length, start);
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * Prints what is appended to `file` after `from` bytes, as `tail -f` does, until Ctrl-C or
 * SIGTERM (exit 130 / 143). A file that shrinks (rewritten) is followed from its new start.
 */
export async function followFile(file: string, from: number, ctx: CommandContext): Promise<number> {
  const interrupt = listenForInterrupt();
  let offset = from;
  try {
    while (!interrupt.signal.aborted) {
      const size = sizeOf(file);
      if (size < offset) offset = 0;
      if (size > offset) {
        // Agent output: its control characters are shown, never obeyed.
        ctx.io.stdout(neutralizeControlChars(readRange(file, offset, size)));
        offset = size;
      }
      await sleepUnlessAborted(FOLLOW_POLL_MS, interrupt.signal);
    }
    return interrupt.exitStatus() ?? 130;
  } finally {
    interrupt.dispose();
  }
}

export { sizeOf };
