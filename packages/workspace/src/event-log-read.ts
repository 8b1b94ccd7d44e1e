import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { type RuntimeEvent, RuntimeEventSchema } from "@millrace/contracts";

/**
 * Reading one event-log file (one segment), forwards from a byte offset or backwards from its end.
 * Both tolerate a torn last line (a writer killed mid-append) and skip lines that do not parse.
 */

export interface EventReadOptions {
  /** Bytes per read (default 64 KiB). */
  chunkSize?: number;
  /** Observes every read: the byte count actually read. Tests use it to prove the file is not read whole. */
  onRead?: (bytes: number) => void;
}

export function parseEventLine(line: string): RuntimeEvent | undefined {
  if (line.trim() === "") return undefined;
  try {
    const result = RuntimeEventSchema.safeParse(JSON.parse(line));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Non-blocking, so a FIFO planted as the log cannot stall a reader in `open`. */
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** Opens a log file for reading; a missing file, or anything but a regular file, has no events. */
function openForRead(file: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    return undefined;
  }
  return fd;
}

/**
 * The last `count` complete events of one file, oldest first. Reads fixed-size chunks backwards
 * from the end and stops as soon as it has enough lines. A missing file has no events.
 */
export function tailFile(file: string, count: number, options: EventReadOptions = {}): RuntimeEvent[] {
  if (count <= 0) return [];
  const chunkSize = Math.max(1, options.chunkSize ?? 64 * 1024);
  const fd = openForRead(file);
  if (fd === undefined) return [];
  try {
    let position = fstatSync(fd).size;
    // `carry` holds the start of the region already read up to its first newline: the end of a line
    // that began further back in the file.
    let carry = Buffer.alloc(0);
    let seekingEnd = true;
    const events: RuntimeEvent[] = [];
    while (position > 0 && events.length < count) {
      const length = Math.min(chunkSize, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const n = readSync(fd, chunk, read, length - read, position + read);
        if (n === 0) break;
        read += n;
      }
      options.onRead?.(read);
      let buffer = Buffer.concat([chunk.subarray(0, read), carry]);
      if (seekingEnd) {
        // Text after the final newline is a torn line (a writer died mid-append): skip it.
        const lastNewline = buffer.lastIndexOf(0x0a);
        if (lastNewline < 0) continue;
        buffer = buffer.subarray(0, lastNewline + 1);
        seekingEnd = false;
      }
      let complete = buffer;
      carry = Buffer.alloc(0);
      if (position > 0) {
        const firstNewline = buffer.indexOf(0x0a);
        carry = buffer.subarray(0, firstNewline + 1);
        complete = buffer.subarray(firstNewline + 1);
      }
      const lines = complete.toString("utf8").split("\n");
      for (let i = lines.length - 1; i >= 0 && events.length < count; i--) {
        const event = parseEventLine(lines[i] ?? "");
        if (event) events.push(event);
      }
    }
    return events.reverse();
  } finally {
    closeSync(fd);
  }
}

export interface FileReadResult {
  events: RuntimeEvent[];
  /** Just after the last complete line consumed: where the next read of this file starts. */
  nextOffset: number;
  /** For each event, the offset just after its line (so a reader can resume after any one of them). */
  ends: number[];
  /** The file's size when it was read (a missing file reads as size 0). */
  size: number;
  /** True when the file does not exist. */
  missing: boolean;
}

/**
 * Complete events of one file from `byteOffset` on, at most `limit` of them. An incomplete last
 * line is left for the next call (nextOffset stops before it).
 */
export function readFileFrom(
  file: string,
  byteOffset: number,
  options: EventReadOptions = {},
  limit = Number.POSITIVE_INFINITY,
): FileReadResult {
  const fd = openForRead(file);
  if (fd === undefined) return { events: [], ends: [], nextOffset: byteOffset, size: 0, missing: true };
  try {
    const size = fstatSync(fd).size;
    const start = Math.min(Math.max(0, byteOffset), size);
    const chunkSize = Math.max(1, options.chunkSize ?? 64 * 1024);
    const events: RuntimeEvent[] = [];
    const ends: number[] = [];
    let position = start;
    let pending = Buffer.alloc(0);
    let consumed = start;
    while (position < size && events.length < limit) {
      const length = Math.min(chunkSize, size - position);
      const chunk = Buffer.alloc(length);
      const n = readSync(fd, chunk, 0, length, position);
      if (n === 0) break;
      options.onRead?.(n);
      position += n;
      pending = Buffer.concat([pending, chunk.subarray(0, n)]);
      let newline = pending.indexOf(0x0a);
      while (newline >= 0 && events.length < limit) {
        const event = parseEventLine(pending.subarray(0, newline).toString("utf8"));
        consumed += newline + 1;
        if (event) {
          events.push(event);
          ends.push(consumed);
        }
        pending = pending.subarray(newline + 1);
        newline = pending.indexOf(0x0a);
      }
    }
    return { events, ends, nextOffset: consumed, size, missing: false };
  } finally {
    closeSync(fd);
  }
}
