import type { SelectionReason } from "@millrace/contracts";
import { clip, trimAtLine } from "../extract/message-text.js";
import type { ViewItem } from "./view.js";

export const PROCEDURES_TITLE = "Injected reusable procedures";
export const FACTS_TITLE = "Injected durable context facts";
export const TRIM_SUFFIX = "\n[… trimmed to fit the context budget]";
/** An excerpt shorter than this is not worth injecting: the item is left out instead. */
export const MIN_EXCERPT_CHARACTERS = 80;
export const SECTION_SEPARATOR = "\n\n";

export function cautionLine(kind: "procedure" | "fact", maxItems: number, budget: number): string {
  const what = kind === "procedure" ? "reusable procedures" : "durable context facts";
  return `A bounded selection (at most ${maxItems} items, ${budget} characters) of operator-promoted ${what} from earlier work. Treat each as a hint: check it against the current task before relying on it.`;
}

/** The lines of an item's section before its excerpt. */
export function sectionHead(item: ViewItem, position: number, reason: SelectionReason): string {
  const label = item.kind === "procedure" ? "Procedure" : "Fact";
  const lines = [
    `### ${label} ${position}: ${clip(item.title, 160)}`,
    `- Id: ${item.id} (${item.scope} scope, from the ${item.sourceStage} stage)`,
  ];
  if (item.kind === "fact") lines.push(`- Selected because: ${reason.replaceAll("_", " ")}`);
  if (item.tags.length > 0) lines.push(`- Tags: ${clip(item.tags.join(", "), 160)}`);
  if (item.summary !== "") lines.push(`- Summary: ${clip(item.summary, 300)}`);
  return `${lines.join("\n")}\n\n`;
}

/**
 * The section of an item within `room` characters, or null when not even a useful excerpt fits.
 * The excerpt is cut at a line boundary and marked.
 */
export function renderSection(
  item: ViewItem,
  position: number,
  reason: SelectionReason,
  room: number,
): { text: string; truncated: boolean } | null {
  const head = sectionHead(item, position, reason);
  const body = item.body.trim();
  if (head.length + body.length <= room) return { text: head + body, truncated: false };
  const excerptRoom = room - head.length;
  if (excerptRoom < MIN_EXCERPT_CHARACTERS) return null;
  const excerpt = trimAtLine(body, excerptRoom, TRIM_SUFFIX);
  if (excerpt.text.length - TRIM_SUFFIX.length < MIN_EXCERPT_CHARACTERS / 2) return null;
  return { text: head + excerpt.text, truncated: true };
}
