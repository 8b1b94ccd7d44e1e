import { statSync } from "node:fs";
import type { RuntimeEvent } from "@millrace/contracts";
import type { EventCursor } from "./event-cursor.js";
import { type EventReadOptions, readFileFrom } from "./event-log-read.js";
import { liveSegment, segmentsOf } from "./event-log-segments.js";

/**
 * Followers of a segmented event log. A cursor names a segment and a byte offset in it, so it
 * stays valid when the live file is rotated (the bytes it points at simply move to a numbered
 * segment), and a read continues from one segment into the next.
 */

export interface CursorReadOptions extends EventReadOptions {
  /** At most this many events per call (default: all there are). */
  limit?: number;
  /**
   * A segment rotated less than this long ago (ms, default 1000) is not left yet: an append that
   * opened the live file just before the rotation may still land in it.
   */
  graceMs?: number;
  /** Clock for the grace period (tests). */
  now?: () => number;
}

export interface CursorReadResult {
  events: RuntimeEvent[];
  /** Where the next read starts. */
  cursor: EventCursor;
  /**
   * Where each returned event ends, parallel to `events`: reading from `positions[i]` yields the
   * events after `events[i]` (e.g. one Server-Sent Events id per event).
   */
  positions: EventCursor[];
  /**
   * True when events between the given cursor and the first one returned are gone: the cursor's
   * segment was pruned (its reader held no pin) or the log was reset under it.
   */
  gap: boolean;
}

/** The oldest position still on disk. */
export function eventLogStart(file: string): EventCursor {
  return { segment: segmentsOf(file)[0]?.segment ?? 1, offset: 0 };
}

/** The current end of the log: a follower starting here sees only events appended from now on. */
export function eventLogEnd(file: string): EventCursor {
  const live = liveSegment(file);
  let size = 0;
  try {
    size = statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return { segment: live, offset: size };
}

/** `<segment>:<offset>`, e.g. for a Server-Sent Events id. */
export function formatEventCursor(cursor: EventCursor): string {
  return `${cursor.segment}:${cursor.offset}`;
}

export function parseEventCursor(text: string): EventCursor | undefined {
  const match = /^([1-9][0-9]{0,15}):([0-9]{1,16})$/.exec(text.trim());
  if (!match) return undefined;
  const cursor = { segment: Number(match[1]), offset: Number(match[2]) };
  return Number.isSafeInteger(cursor.segment) && Number.isSafeInteger(cursor.offset) ? cursor : undefined;
}

function modifiedAt(file: string): number {
  try {
    const stat = statSync(file);
    return Math.max(stat.mtimeMs, stat.ctimeMs);
  } catch {
    return 0;
  }
}

/** One pass over the segments; `restart` when the live file rotated while it was being read. */
function readPass(
  file: string,
  from: EventCursor,
  options: CursorReadOptions,
): CursorReadResult & { restart: boolean } {
  const segments = segmentsOf(file);
  const live = segments.at(-1)?.segment ?? 1;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const graceMs = options.graceMs ?? 1000;
  const now = options.now ?? Date.now;
  let gap = false;
  let index = segments.findIndex((s) => s.segment >= from.segment);
  let cursor = from;
  if (from.segment > live || index < 0) {
    // The cursor is ahead of the log: it was reset (its segments deleted). Start over.
    index = 0;
    gap = true;
  }
  const first = segments[index];
  if (first && first.segment !== from.segment) {
    gap = true;
    cursor = { segment: first.segment, offset: 0 };
  } else if (gap && first) cursor = { segment: first.segment, offset: 0 };
  const events: RuntimeEvent[] = [];
  const positions: EventCursor[] = [];
  for (; index < segments.length; index++) {
    const segment = segments[index];
    if (!segment) break;
    const read = readFileFrom(segment.path, cursor.offset, options, limit - events.length);
    if (segment.live && liveSegment(file) !== segment.segment) {
      return { events: [], positions: [], cursor: from, gap: false, restart: true };
    }
    if (read.missing && !segment.live) gap = true; // pruned while we looked
    events.push(...read.events);
    for (const end of read.ends) positions.push({ segment: segment.segment, offset: end });
    cursor = { segment: segment.segment, offset: read.missing ? cursor.offset : read.nextOffset };
    if (events.length >= limit || segment.live) break;
    if (!read.missing && now() - modifiedAt(segment.path) < graceMs) break;
    const next = segments[index + 1];
    if (next) cursor = { segment: next.segment, offset: 0 };
  }
  return { events, positions, cursor, gap, restart: false };
}

/**
 * Complete events after `cursor`, continuing from segment to segment up to the live file's last
 * complete line, and the cursor to continue from.
 */
export function readEventsFromCursor(
  file: string,
  cursor: EventCursor,
  options: CursorReadOptions = {},
): CursorReadResult {
  for (let attempt = 0; attempt < 5; attempt++) {
    const { restart, ...result } = readPass(file, cursor, options);
    if (!restart) return result;
  }
  return { events: [], positions: [], cursor, gap: false };
}
