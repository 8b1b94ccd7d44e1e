import { closeSync, fstatSync, fsyncSync, openSync, readSync } from "node:fs";
import { appendWithRotation, DEFAULT_EVENT_LOG_ROTATION, segmentsOf } from "./event-log-segments.js";

/*
 * What a group-commit writer needs of the event log: append lines it rendered already (without an
 * fsync of their own: its journal holds them durably), read back the log's tail to see which lines
 * reached it, and fsync the log at its checkpoint.
 */

/** Appends pre-rendered event lines (each ending in a newline) with the usual rotation; no fsync. */
export function appendEventLinesUnsynced(file: string, text: string): void {
  if (text === "") return;
  appendWithRotation(file, text, DEFAULT_EVENT_LOG_ROTATION, false);
}

/** Up to the last `bytes` bytes of the log, reaching into the newest rotated segments when needed. */
export function readEventLogTail(file: string, bytes: number): string {
  const parts: Buffer[] = [];
  let wanted = bytes;
  for (const segment of segmentsOf(file).reverse()) {
    if (wanted <= 0) break;
    let fd: number;
    try {
      fd = openSync(segment.path, "r");
    } catch {
      continue;
    }
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, wanted);
      const buffer = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const n = readSync(fd, buffer, read, length - read, size - length + read);
        if (n === 0) break;
        read += n;
      }
      parts.unshift(buffer.subarray(0, read));
      wanted -= read;
    } finally {
      closeSync(fd);
    }
  }
  return Buffer.concat(parts).toString("utf8");
}

/** Fsyncs the live log and the newest rotated segment (a rotation renames without syncing data). */
export function syncEventLog(file: string): void {
  for (const segment of segmentsOf(file).slice(-2)) {
    let fd: number;
    try {
      fd = openSync(segment.path, "r");
    } catch {
      continue;
    }
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
