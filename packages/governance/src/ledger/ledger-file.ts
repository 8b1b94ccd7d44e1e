import { closeSync, fstatSync, openSync, readSync, truncateSync } from "node:fs";
import { type UsageLedgerEntry, UsageLedgerEntrySchema } from "@millrace/contracts";
import { fastLedgerEntry } from "./fast-entry.js";

export interface LedgerProblem {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly message: string;
}

export interface LedgerChunk {
  readonly entries: UsageLedgerEntry[];
  readonly problems: LedgerProblem[];
  /** Byte offset just past the last complete line read. */
  readonly endOffset: number;
  /** Bytes after the last newline: a line a crash cut short (or one still being written). */
  readonly tornBytes: number;
  /** Lines read (complete ones), for numbering the next chunk's problems. */
  readonly lines: number;
}

function readFrom(file: string, offset: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return Buffer.alloc(0);
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return Buffer.alloc(0);
    const buffer = Buffer.alloc(size - offset);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the ledger's complete lines from `offset` on. A last line without its newline is not read
 * (it is torn, or being written); lines that are not ledger entries are reported and skipped.
 */
export function readLedgerChunk(file: string, offset = 0, firstLine = 1): LedgerChunk {
  const buffer = readFrom(file, offset);
  const lastNewline = buffer.lastIndexOf(0x0a);
  const complete = lastNewline < 0 ? "" : buffer.subarray(0, lastNewline).toString("utf8");
  const entries: UsageLedgerEntry[] = [];
  const problems: LedgerProblem[] = [];
  const lines = complete === "" && lastNewline < 0 ? [] : complete.split("\n");
  lines.forEach((text, index) => {
    if (text.trim() === "") return;
    const line = firstLine + index;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      problems.push({ line, message: "not JSON" });
      return;
    }
    const fast = fastLedgerEntry(json);
    if (fast) {
      entries.push(fast);
      return;
    }
    const parsed = UsageLedgerEntrySchema.safeParse(json);
    if (parsed.success) entries.push(parsed.data);
    else problems.push({ line, message: parsed.error.issues[0]?.message ?? "not a ledger entry" });
  });
  return {
    entries,
    problems,
    endOffset: offset + lastNewline + 1,
    tornBytes: buffer.length - (lastNewline + 1),
    lines: lines.length,
  };
}

/** Cuts a torn last line off the ledger so the next append starts on a fresh line. */
export function dropTornTail(file: string, endOffset: number): void {
  truncateSync(file, endOffset);
}
