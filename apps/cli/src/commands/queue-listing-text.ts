import type { QueueListing } from "@millrace/contracts";
import { neutralizeControlChars } from "@millrace/contracts/terminal-text";
import { keyValueLines } from "../command.js";
import type { CommandContext } from "../io.js";

/** One line per item: kind, state, id, then the title (or why the file is invalid). */
export function itemLines(listing: QueueListing, ctx: CommandContext): string {
  if (listing.items.length === 0) return "items: none\n";
  const { paint } = ctx;
  const kindWidth = Math.max(...listing.items.map((item) => item.kind.length));
  const stateWidth = Math.max(...listing.items.map((item) => item.state.length));
  return listing.items
    .map((item) => {
      const state = paint.enabled
        ? `${paintState(ctx, item.state)}${" ".repeat(stateWidth - item.state.length)}`
        : item.state.padEnd(stateWidth);
      const title = item.error
        ? paint.red(`INVALID ${neutralizeControlChars(item.error)}`)
        : neutralizeControlChars(item.title);
      return `${item.kind.padEnd(kindWidth)}  ${state}  ${paint.bold(item.id)}  ${title}\n`;
    })
    .join("");
}

/** The line under a page that does not hold every matched item: how many, and how to see the rest. */
export function pageLine(listing: QueueListing): string {
  const { items, total, limit, offset, next_offset } = listing;
  if (items.length >= total) return "";
  const bounds =
    (limit === null ? "" : `, at most ${limit} of each kind and state`) +
    (offset === 0 ? "" : `, skipping the first ${offset} of each`);
  const next = next_offset === null ? "" : `, --offset ${next_offset} the next page`;
  const hint = limit === null ? "" : ` (--all lists every item${next})`;
  return `shown: ${items.length} of ${total} items${bounds}${hint}\n`;
}

function paintState(ctx: CommandContext, state: string): string {
  const { paint } = ctx;
  if (state === "done") return paint.green(state);
  if (state === "blocked") return paint.red(state);
  if (state === "active") return paint.yellow(state);
  return state;
}

export function summaryText(listing: QueueListing): string {
  const counts: Record<string, string> = {};
  for (const [kind, perState] of Object.entries(listing.counts)) {
    counts[kind] = Object.entries(perState)
      .map(([state, count]) => `${state}=${count}`)
      .join(" ");
  }
  return keyValueLines({
    queue_depth_execution: listing.depths.execution,
    queue_depth_planning: listing.depths.planning,
    queue_depth_learning: listing.depths.learning,
    active_execution: listing.active.execution,
    active_planning: listing.active.planning,
    active_learning: listing.active.learning,
    counts,
  });
}
