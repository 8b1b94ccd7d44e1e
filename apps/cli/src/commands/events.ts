import { MillraceError, type RuntimeEvent } from "@millrace/contracts";
import { neutralizeControlChars } from "@millrace/contracts/terminal-text";
import { eventLogEnd, followRuntimeEvents, requireInitialized, tailEvents } from "@millrace/workspace";
import type { MillraceCommand } from "../command.js";
import { listenForInterrupt } from "../interrupt.js";
import type { CommandContext } from "../io.js";

export interface EventsArgs {
  tail?: number;
  follow?: boolean;
}

const DEFAULT_TAIL = 50;
const MAX_TAIL = 10_000;

/** One event as a line: time, type, then its scalar fields (objects and lists are left to --json). */
export function eventLine(event: RuntimeEvent): string {
  const fields = Object.entries(event.data)
    .filter(([, value]) => value === null || ["string", "number", "boolean"].includes(typeof value))
    .map(
      ([key, value]) =>
        `${key}=${typeof value === "string" && /\s/.test(value) ? JSON.stringify(value) : value}`,
    );
  // Event data can carry agent text: its control characters are shown, never obeyed.
  return neutralizeControlChars([event.occurred_at, event.event_type, ...fields].join(" "));
}

function checkTail(value: number | undefined): number {
  const tail = value ?? DEFAULT_TAIL;
  if (!Number.isInteger(tail) || tail < 0 || tail > MAX_TAIL) {
    throw new MillraceError("usage_invalid_argument", `--tail must be a whole number from 0 to ${MAX_TAIL}`, {
      hint: "For example --tail 20, or --tail 0 to print only new events with --follow.",
    });
  }
  return tail;
}

/**
 * The runtime event log: the last `--tail` events, then with `--follow` each new one as it is
 * written, until Ctrl-C or SIGTERM (exit 130 / 143). Read-only. Under --json the tail is one JSON
 * array, and a follow prints one JSON object per line.
 */
async function runEvents(args: EventsArgs, ctx: CommandContext): Promise<number> {
  const tail = checkTail(args.tail);
  const paths = requireInitialized(ctx.workspace);
  const file = paths.runtimeEvents;
  // Where following starts is fixed before the tail is read, so no event falls between the two.
  const from = eventLogEnd(file);
  const recent = tail === 0 ? [] : tailEvents(file, tail);
  const print = (events: RuntimeEvent[]) => {
    for (const event of events) ctx.io.stdout(`${ctx.json ? JSON.stringify(event) : eventLine(event)}\n`);
  };
  if (!args.follow) {
    ctx.emit(() => recent.map((event) => `${eventLine(event)}\n`).join(""), recent);
    return 0;
  }
  print(recent);
  const interrupt = listenForInterrupt();
  try {
    await followRuntimeEvents(file, { signal: interrupt.signal, from, onEvents: print });
    return interrupt.exitStatus() ?? 130;
  } finally {
    interrupt.dispose();
  }
}

const builder: MillraceCommand<EventsArgs>["builder"] = (yargs) =>
  yargs
    .option("tail", {
      type: "number",
      describe: `How many of the latest events to print first (default ${DEFAULT_TAIL}; 0 with --follow: only new ones)`,
    })
    .option("follow", {
      type: "boolean",
      alias: "f",
      describe: "Keep printing new events as they are written, until Ctrl-C",
    });

export const eventsCommand: MillraceCommand<EventsArgs> = {
  command: "events",
  describe: "Print the runtime event log (logs/runtime_events.jsonl); --follow keeps printing new events",
  builder,
  examples: [
    ["$0 events --tail 20", "The last 20 runtime events"],
    ["$0 events --follow", "The latest events, then each new one until Ctrl-C"],
    ["$0 events --follow --json", "One JSON event per line, as they are written"],
  ],
  handler: (args, ctx) => runEvents(args, ctx),
};

/** `logs [--tail N] [--follow]`: the original Millrace's spelling of `events`. */
export const logsCommand: MillraceCommand<EventsArgs> = {
  command: "logs",
  describe:
    "Alias of `millrace events` (the original Millrace's spelling): `logs --follow` follows the event log",
  builder,
  examples: [["$0 logs --follow", "Same as `millrace events --follow`"]],
  handler: (args, ctx) => runEvents(args, ctx),
};
