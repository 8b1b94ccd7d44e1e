import { closeSync, openSync, readSync } from "node:fs";

/**
 * Reads of `/proc` files, which report a size of 0: `readFileSync` then reads them in growing,
 * freshly allocated chunks, and a tag scan does that for every process on the host. Here each read
 * goes into one buffer kept for the process (grown when a file is larger), which makes a scan of
 * ~170 processes about ten times cheaper (docs/performance.md).
 */
let shared = Buffer.allocUnsafe(64 * 1024);

/**
 * The bytes of a `/proc` file, or undefined when it cannot be opened or read. The result is a view
 * of the shared buffer: valid until the next call, so use it (or copy it) at once.
 */
export function readProcBytes(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === shared.length) {
        const larger = Buffer.allocUnsafe(shared.length * 2);
        shared.copy(larger, 0, 0, length);
        shared = larger;
      }
      const n = readSync(fd, shared, length, shared.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return shared.subarray(0, length);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The text of a `/proc` file, or undefined. */
export function readProcText(file: string): string | undefined {
  return readProcBytes(file)?.toString("utf8");
}
