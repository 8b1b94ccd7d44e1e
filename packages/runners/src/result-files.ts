import { READ_LIMITS, readRegularFile } from "@millrace/workspace";

/**
 * The agent's last-message file (Codex `--output-last-message`). The agent controls what lands
 * there, so it is read like any hostile file: no link followed, no FIFO waited on, nothing over the
 * result-file cap read. Anything refused counts as no message; the stream's own last message is
 * then used.
 */
export function readLastMessage(file: string, maxBytes: number = READ_LIMITS.result): string {
  const read = readRegularFile(file, { maxBytes });
  return read.kind === "ok" ? read.text : "";
}
