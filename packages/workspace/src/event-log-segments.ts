import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { fsyncDirSync } from "./atomic-write.js";
import { assertRuntimeWriteConfined } from "./confine.js";
import { pinnedSegmentFloor } from "./event-log-pins.js";
import { isProcessAlive } from "./lock.js";

/**
 * Size-based rotation of an append-only JSONL log. The live file (`runtime_events.jsonl`) is
 * renamed to the next numbered segment (`runtime_events.<n>.jsonl`, n = 1, 2, ...) once it holds
 * `maxBytes`; the live file's own number is one more than the highest rotated one. Rotated
 * segments past the newest `keepSegments` are deleted, except any at or after the oldest segment a
 * registered reader's cursor names (event-log-pins.ts): a reader never loses an event it holds a
 * cursor to.
 */

export interface EventLogRotation {
  /** Rotate once the live file holds this many bytes. */
  readonly maxBytes: number;
  /** Rotated segments kept (at least 1), besides any a pinned cursor still needs. */
  readonly keepSegments: number;
}

/** 8 MiB a segment, 8 kept: at most ~72 MiB of events besides what pinned readers hold back. */
export const DEFAULT_EVENT_LOG_ROTATION: EventLogRotation = { maxBytes: 8 * 1024 * 1024, keepSegments: 8 };

function splitName(file: string): { dir: string; stem: string; ext: string } {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const ext = base.endsWith(".jsonl") ? ".jsonl" : "";
  return { dir, stem: ext ? base.slice(0, -ext.length) : base, ext };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The path of rotated segment `n` of the log `file`. */
export function segmentPath(file: string, segment: number): string {
  const { dir, stem, ext } = splitName(file);
  return path.join(dir, `${stem}.${segment}${ext}`);
}

/** The numbers of the rotated segments on disk, oldest first. */
export function rotatedSegments(file: string): number[] {
  const { dir, stem, ext } = splitName(file);
  const pattern = new RegExp(`^${escapeRegExp(stem)}\\.([1-9][0-9]*)${escapeRegExp(ext)}$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names
    .map((name) => pattern.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .filter(Number.isSafeInteger)
    .sort((a, b) => a - b);
}

/** The live file's segment number: one more than the highest rotated segment (1 before any rotation). */
export function liveSegment(file: string, rotated = rotatedSegments(file)): number {
  return (rotated.at(-1) ?? 0) + 1;
}

/** Every segment, oldest first, with its path; the last one is the live file. */
export function segmentsOf(file: string): { segment: number; path: string; live: boolean }[] {
  const rotated = rotatedSegments(file);
  const live = liveSegment(file, rotated);
  return [
    ...rotated.map((segment) => ({ segment, path: segmentPath(file, segment), live: false })),
    { segment: live, path: file, live: true },
  ];
}

function writeAll(fd: number, text: string): void {
  const buffer = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

/** Opens the live file for appending, making sure the descriptor is the live file and not a segment renamed away meanwhile. */
function openLive(file: string): { fd: number; size: number } {
  // The size comes from the same fstat that confirms the open file is still the live one (a
  // rotation may rename it between the open and the check); the folder is created only when the
  // open says it is missing.
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, "a", 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 5) throw error;
      mkdirSync(path.dirname(file), { recursive: true });
      continue;
    }
    let live = false;
    let size = 0;
    try {
      const opened = fstatSync(fd);
      size = opened.size;
      live = statSync(file).ino === opened.ino;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        closeSync(fd);
        throw error;
      }
    }
    if (live || attempt >= 5) return { fd, size };
    closeSync(fd);
  }
}

/**
 * Appends `text` to the live file in one write (creating it and its folder), rotating first when
 * the live file has reached `rotation.maxBytes`. Fsyncs unless `durable` is false.
 */
export function appendWithRotation(
  file: string,
  text: string,
  rotation: EventLogRotation | false,
  durable = true,
): void {
  // The same confinement as every other runtime write: a log linked out of the workspace is refused.
  assertRuntimeWriteConfined(file);
  let { fd, size } = openLive(file);
  try {
    if (rotation && size >= rotation.maxBytes) {
      closeSync(fd);
      fd = -1;
      rotateEventLog(file, rotation);
      ({ fd } = openLive(file));
    }
    writeAll(fd, text);
    if (durable) fsyncSync(fd);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

// A rotation guard older than this is abandoned even if its pid looks alive (pid reuse).
const GUARD_MAX_AGE_MS = 60_000;

function takeGuard(guard: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(guard, "wx", 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (!removeAbandonedGuard(guard)) return false;
  }
  return false;
}

/**
 * Removes a guard whose rotator is gone: its pid is dead (or is ours, left by a failed rotation),
 * or it is older than GUARD_MAX_AGE_MS. A guard without a pid yet is one being written (created,
 * pid not written): it is kept while young, or two processes would rotate at once and the second
 * rename would replace the first one's segment. The file removed is the one judged (same inode),
 * not a guard another process took meanwhile.
 */
export function removeAbandonedGuard(guard: string, now = Date.now()): boolean {
  try {
    const judged = statSync(guard);
    const text = readFileSync(guard, "utf8").trim();
    const age = now - judged.mtimeMs;
    if (age < GUARD_MAX_AGE_MS) {
      if (!/^[1-9][0-9]*$/.test(text)) return false;
      const pid = Number(text);
      if (pid !== process.pid && isProcessAlive(pid)) return false;
    }
    if (statSync(guard).ino !== judged.ino) return false;
    unlinkSync(guard);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/**
 * Rotates the live file if it holds at least `maxBytes`, then prunes old segments. Only one
 * process rotates at a time (an exclusive guard file); one that finds the guard taken skips, and a
 * later append rotates. Returns the segment the live file became, or undefined when nothing rotated.
 */
export function rotateEventLog(file: string, rotation: EventLogRotation): number | undefined {
  const guard = `${file}.rotating`;
  if (!takeGuard(guard)) return undefined;
  try {
    let size: number;
    try {
      size = statSync(file).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    if (size < rotation.maxBytes) return undefined; // another process rotated it first
    const segment = liveSegment(file);
    renameSync(file, segmentPath(file, segment));
    fsyncDirSync(path.dirname(file));
    pruneSegments(file, rotation);
    return segment;
  } finally {
    try {
      unlinkSync(guard);
    } catch {}
  }
}

/**
 * Deletes rotated segments beyond the newest `keepSegments`, oldest first, stopping at the oldest
 * segment a pinned reader's cursor still names. Returns the segments deleted.
 */
export function pruneSegments(file: string, rotation: EventLogRotation): number[] {
  const keep = Math.max(1, Math.floor(rotation.keepSegments));
  const rotated = rotatedSegments(file);
  const floor = pinnedSegmentFloor(file);
  const removed: number[] = [];
  for (const segment of rotated.slice(0, Math.max(0, rotated.length - keep))) {
    if (segment >= floor) break;
    try {
      unlinkSync(segmentPath(file, segment));
      removed.push(segment);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return removed;
}
