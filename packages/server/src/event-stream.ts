import { MillraceError } from "@millrace/contracts";
import {
  type EventCursor,
  eventLogEnd,
  eventLogStart,
  formatEventCursor,
  parseEventCursor,
  readEventsFrom,
} from "@millrace/workspace";
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { LogWatch } from "./log-watch.js";
import type { ServedWorkspace } from "./workspaces.js";

/**
 * The live event stream: Server-Sent Events read from the workspace's event log. Each runtime
 * event is one message whose `id` is the log cursor just after it (`<segment>:<offset>`), so a
 * browser that reconnects with `Last-Event-ID` resumes after the last event it received: no gap
 * and no duplicate, across log rotation (a cursor names a segment, not the live file) and daemon
 * restarts (the log is append-only). The stream only reads the log; it pins nothing and writes
 * nothing. A cursor whose segment was pruned meanwhile gets a `gap` message before the events.
 */

/** Events read per pass; a long backlog is sent in slices so one client cannot hold the loop. */
const BATCH = 500;
/** A comment line this often keeps proxies and idle timers from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** Just over the log reader's grace period for a freshly rotated segment. */
const ROTATION_RECHECK_MS = 1100;

function badCursor(text: string): MillraceError {
  return new MillraceError("usage_invalid_argument", `not an event cursor: ${JSON.stringify(text)}`, {
    hint: "A cursor looks like <segment>:<offset> (the id of a message this stream sent), or use from=start|end.",
  });
}

/** Where a stream starts: Last-Event-ID, else `?after=<cursor>`, else `?from=start|end` (default end). */
export function startCursor(
  logFile: string,
  lastEventId: string | undefined,
  after: string | undefined,
  from: string | undefined,
): EventCursor {
  const given = lastEventId ?? after;
  if (given !== undefined && given !== "") {
    const cursor = parseEventCursor(given);
    if (!cursor) throw badCursor(given);
    return cursor;
  }
  if (from === undefined || from === "" || from === "end") return eventLogEnd(logFile);
  if (from === "start") return eventLogStart(logFile);
  throw new MillraceError(
    "usage_invalid_argument",
    `from must be start or end, got ${JSON.stringify(from)}`,
    {
      hint: "Use ?from=start to replay the retained log, or ?from=end for new events only.",
    },
  );
}

/** Sends everything after `cursor` that is on disk now; returns the cursor to continue from. */
async function drain(stream: SSEStreamingApi, logFile: string, cursor: EventCursor): Promise<EventCursor> {
  let at = cursor;
  for (;;) {
    const read = readEventsFrom(logFile, at, { limit: BATCH });
    if (read.gap) {
      await stream.writeSSE({
        event: "gap",
        data: JSON.stringify({ from: formatEventCursor(at), to: formatEventCursor(read.cursor) }),
      });
    }
    for (let i = 0; i < read.events.length; i++) {
      const position = read.positions[i] as EventCursor;
      await stream.writeSSE({
        event: "runtime_event",
        id: formatEventCursor(position),
        data: JSON.stringify(read.events[i]),
      });
    }
    at = read.cursor;
    if (read.events.length < BATCH || stream.aborted) return at;
  }
}

export function eventStreamResponse(c: Context, workspace: ServedWorkspace, watch: LogWatch): Response {
  const logFile = workspace.paths.runtimeEvents;
  const cursor = startCursor(
    logFile,
    c.req.header("Last-Event-ID"),
    c.req.query("after"),
    c.req.query("from"),
  );
  return streamSSE(c, async (stream) => {
    let wake: () => void = () => {};
    let pending = true;
    const unsubscribe = watch.subscribe(() => {
      pending = true;
      wake();
    });
    stream.onAbort(() => wake());
    try {
      await stream.writeSSE({
        event: "ready",
        data: JSON.stringify({ workspace: workspace.id, cursor: formatEventCursor(cursor) }),
        retry: 1000,
      });
      let at = cursor;
      let behind = false;
      while (!stream.aborted) {
        if (pending) {
          pending = false;
          at = await drain(stream, logFile, at);
          // A segment rotated moments ago is not left at once (an append may still land in it):
          // look again shortly even if nothing else is written.
          behind = at.segment < eventLogEnd(logFile).segment;
          continue;
        }
        const woke = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), behind ? ROTATION_RECHECK_MS : HEARTBEAT_MS);
          wake = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        if (woke || stream.aborted) continue;
        if (behind) pending = true;
        else await stream.write(": heartbeat\n\n");
      }
    } finally {
      unsubscribe();
    }
  });
}
