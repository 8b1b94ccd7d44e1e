/** Turning a stage's final message into title, summary and body, without the terminal marker. */

import { neutralizeControlChars } from "@millrace/contracts";

const MARKER_LINE = /^\s*###\s+[A-Z][A-Z0-9_]*\s*$/;

/**
 * The first non-blank of final message, stdout, stderr, with marker lines removed and trimmed.
 * Control characters (terminal colours in stdout, say) are made visible: stored text reaches
 * prompts and terminals, and the store refuses files holding them.
 */
export function sourceText(candidates: readonly (string | null | undefined)[]): string {
  for (const candidate of candidates) {
    if (candidate === null || candidate === undefined) continue;
    const text = neutralizeControlChars(candidate.replace(/\r\n?/g, "\n"))
      .split("\n")
      .filter((line) => !MARKER_LINE.test(line))
      .join("\n")
      .trim();
    if (text !== "") return text;
  }
  return "";
}

function plain(line: string): string {
  return line
    .replace(/^#+\s*/, "")
    .replace(/^[-*]\s+/, "")
    .replace(/[*`]+/g, "")
    .trim();
}

/** Cuts to `max` characters at a word boundary, with an ellipsis when shortened. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, Math.max(0, max - 1));
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The first heading, else the first non-blank line. */
export function titleOf(text: string, max = 120): string {
  const lines = text.split("\n").map((line) => line.trim());
  const heading = lines.find((line) => /^#{1,6}\s+\S/.test(line));
  const first = heading ?? lines.find((line) => line !== "") ?? "";
  return clip(plain(first), max);
}

/** The first paragraph that is not a heading, flattened to one line. */
export function summaryOf(text: string, max = 280): string {
  for (const paragraph of text.split(/\n\s*\n/)) {
    const lines = paragraph
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !/^#{1,6}\s/.test(line));
    if (lines.length > 0) return clip(lines.map(plain).join(" "), max);
  }
  return "";
}

/** Keeps whole lines up to `max` characters (suffix included); marks what was cut. */
export function trimAtLine(text: string, max: number, suffix: string): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  const room = max - suffix.length;
  if (room <= 0) return { text: "", truncated: true };
  const slice = text.slice(0, room);
  const lastBreak = slice.lastIndexOf("\n");
  const kept = (lastBreak > 0 ? slice.slice(0, lastBreak) : slice).trimEnd();
  return { text: `${kept}${suffix}`, truncated: true };
}
