import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { isSafeId } from "@millrace/contracts";
import { writeJsonAtomicSync } from "./atomic-write.js";
import { type EventCursor, isEventCursor } from "./event-cursor.js";

/**
 * Reader pins: a reader that must not miss events (a dashboard stream, an exporter) records its
 * cursor under `<log stem>.cursors/<reader>.json` beside the log. Pruning never deletes a segment
 * at or after the oldest pinned one, so the reader can always resume from its cursor; it releases
 * the pin when it no longer needs the events. A pin that is never released holds segments back
 * indefinitely: that is the price of the guarantee, and `listEventCursorPins` shows who holds them.
 */

function pinsDir(file: string): string {
  const base = path.basename(file).replace(/\.jsonl$/, "");
  return path.join(path.dirname(file), `${base}.cursors`);
}

function pinPath(file: string, reader: string): string {
  if (!isSafeId(reader)) {
    throw new TypeError(
      `reader name ${JSON.stringify(reader)} is not a safe id (letters, digits, '.', '_', '-')`,
    );
  }
  return path.join(pinsDir(file), `${reader}.json`);
}

/** Records (or moves) `reader`'s cursor so the segments it still needs are kept. */
export function pinEventCursor(file: string, reader: string, cursor: EventCursor): void {
  if (!isEventCursor(cursor)) throw new TypeError(`not an event cursor: ${JSON.stringify(cursor)}`);
  const target = pinPath(file, reader);
  mkdirSync(path.dirname(target), { recursive: true });
  writeJsonAtomicSync(target, { reader, segment: cursor.segment, offset: cursor.offset }, { durable: false });
}

/** Removes `reader`'s pin; returns whether there was one. */
export function releaseEventCursor(file: string, reader: string): boolean {
  const target = pinPath(file, reader);
  try {
    readFileSync(target);
  } catch {
    return false;
  }
  rmSync(target, { force: true });
  return true;
}

/** Every readable pin, by reader. Unreadable pin files name no cursor and are ignored. */
export function listEventCursorPins(file: string): Map<string, EventCursor> {
  const pins = new Map<string, EventCursor>();
  let names: string[];
  try {
    names = readdirSync(pinsDir(file));
  } catch {
    return pins;
  }
  for (const name of names) {
    if (!name.endsWith(".json") || name.startsWith(".")) continue;
    try {
      const value = JSON.parse(readFileSync(path.join(pinsDir(file), name), "utf8")) as unknown;
      if (isEventCursor(value))
        pins.set(name.slice(0, -".json".length), { segment: value.segment, offset: value.offset });
    } catch {
      // a pin being rewritten or garbage: it holds nothing back
    }
  }
  return pins;
}

/** The oldest segment any pin names (Infinity when nothing is pinned). */
export function pinnedSegmentFloor(file: string): number {
  let floor = Number.POSITIVE_INFINITY;
  for (const cursor of listEventCursorPins(file).values()) floor = Math.min(floor, cursor.segment);
  return floor;
}
