import { readFileSync } from "node:fs";
import { canonicalJson, MillraceError } from "@millrace/contracts";
import { appendFileDurableSync, moveFileDurableSync } from "@millrace/workspace";

/**
 * Moves a file between folders of one filesystem with a single rename, so it is never in two
 * places and never in none. Refuses to replace an existing destination.
 */
export function moveFileSync(source: string, destination: string): void {
  if (!moveFileDurableSync(source, destination)) {
    throw new MillraceError(
      "queue_state_conflict",
      `${destination} already exists; refusing to overwrite it`,
    );
  }
}

/** Appends one JSON object (keys sorted) as a line, in a single write, and fsyncs it. */
export function appendJsonLineSync(file: string, record: object): void {
  appendFileDurableSync(file, `${canonicalJson(record)}\n`);
}

/** Reads a JSONL file, keeping only lines that parse and validate; a torn last line is skipped. */
export function readJsonLines<T>(
  file: string,
  check: (value: unknown) => { success: boolean; data?: T },
): T[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const result = check(JSON.parse(line));
      if (result.success && result.data !== undefined) out.push(result.data);
    } catch {
      // torn or foreign line
    }
  }
  return out;
}
