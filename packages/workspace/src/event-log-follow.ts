import { type FSWatcher, watch } from "node:fs";
import path from "node:path";
import type { RuntimeEvent } from "@millrace/contracts";
import type { EventCursor } from "./event-cursor.js";
import { readEventsFrom } from "./event-log.js";
import { eventLogEnd } from "./event-log-cursor.js";

export interface FollowEventsOptions {
  /** Stops following (Ctrl-C in the CLI). */
  signal: AbortSignal;
  /** Where to start; default: the end of the log (only events written from now on). */
  from?: EventCursor;
  /** Receives each batch of new events, oldest first. */
  onEvents(events: RuntimeEvent[]): void;
  /**
   * Longest wait between looks at the log when no change notice arrives (file systems where
   * `fs.watch` stays silent, or a logs folder created later). Default 1000 ms.
   */
  fallbackMs?: number;
}

/** Events read per pass, so a long backlog is handed over in slices. */
const BATCH = 500;

/**
 * Follows the runtime event log as `tail -f` does, across rotation (the cursor names a segment),
 * until the signal aborts; returns the cursor just after the last event delivered. It wakes on the
 * logs folder's change notices, with a slow timer as the safety net; it never writes to the log.
 */
export async function followRuntimeEvents(file: string, options: FollowEventsOptions): Promise<EventCursor> {
  const { signal } = options;
  let cursor = options.from ?? eventLogEnd(file);
  let wake: (() => void) | undefined;
  let changed = false;
  const notice = () => {
    changed = true;
    wake?.();
  };
  let watcher: FSWatcher | undefined;
  const watchFolder = () => {
    if (watcher) return;
    try {
      watcher = watch(path.dirname(file), { persistent: false }, notice);
      watcher.on("error", () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined; // no logs folder yet: the timer looks again
    }
  };
  signal.addEventListener("abort", notice, { once: true });
  try {
    while (!signal.aborted) {
      watchFolder();
      changed = false;
      const read = readEventsFrom(file, cursor, { limit: BATCH });
      cursor = read.cursor;
      if (read.events.length > 0) options.onEvents(read.events);
      if (read.events.length === BATCH || changed) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, options.fallbackMs ?? 1000);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
        if (signal.aborted) done();
      });
    }
    return cursor;
  } finally {
    signal.removeEventListener("abort", notice);
    watcher?.close();
  }
}
