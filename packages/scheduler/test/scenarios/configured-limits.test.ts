import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { writeMailboxCommand } from "../../src/control/mailbox-writer.js";
import { runUntilIdle, type TestWorkspace } from "../fixtures.js";
import { eventsOfType, scenarioWorkspace } from "./helpers.js";

/**
 * Issue 11 item 2: the caps are `[limits]` keys, and the daemon uses the configured values (not
 * the defaults) for the ideas inbox and the mailbox.
 */

const LIMITS = "\n[limits]\nmax_idea_bytes = 4096\nmax_mailbox_envelope_bytes = 4096\n";

function ideaOfSize(title: string, bytes: number): string {
  const head = `# ${title}\n\n`;
  return `${head}${"a".repeat(bytes - head.length - 1)}\n`;
}

/** Writes an add_idea command whose file is exactly `bytes` long; returns its file name. */
function addIdeaCommandOfSize(ws: TestWorkspace, name: string, bytes: number): string {
  const write = (markdown: string) =>
    writeMailboxCommand(
      ws.paths,
      "add_idea",
      { source_name: `${name}.md`, markdown },
      { issuer: "test", now: new Date(), commandId: `cmd-${name}`, maxBytes: 1 << 30 },
    ).file;
  const probe = write("# Mail idea\n\nx");
  const size = readFileSync(probe).length;
  rmSync(probe);
  const file = write(`# Mail idea\n\nx${"y".repeat(bytes - size)}`);
  expect(readFileSync(file).length).toBe(bytes);
  return path.basename(file);
}

describe("[limits] caps in a running daemon", () => {
  it("max_idea_bytes: an idea one byte over is quarantined with the reason; one at the cap becomes a spec", async () => {
    const ws = scenarioWorkspace({ rules: [] }, LIMITS);
    mkdirSync(ws.paths.ideasInbox, { recursive: true });
    writeFileSync(path.join(ws.paths.ideasInbox, "over.md"), ideaOfSize("Over", 4097));
    writeFileSync(path.join(ws.paths.ideasInbox, "at.md"), ideaOfSize("At", 4096));
    await runUntilIdle(ws);
    const skipped = eventsOfType(ws, "idea_normalization_skipped").map((event) => event.data);
    expect(skipped).toEqual([
      expect.objectContaining({ reason: "idea is 4097 bytes; the limit is 4096 bytes" }),
    ]);
    const normalized = eventsOfType(ws, "idea_normalized_to_spec").map((event) =>
      String(event.data.idea_path),
    );
    expect(normalized).toEqual([expect.stringContaining("at.md")]);
  }, 60_000);

  it("max_mailbox_envelope_bytes: a command one byte over is archived as failed; one at the cap is applied", async () => {
    const ws = scenarioWorkspace({ rules: [] }, LIMITS);
    const over = addIdeaCommandOfSize(ws, "over", 4097);
    const at = addIdeaCommandOfSize(ws, "at", 4096);
    await runUntilIdle(ws);
    expect(readdirSync(ws.paths.mailboxFailed).filter((name) => name.endsWith(".json"))).toEqual([over]);
    const archive = JSON.parse(readFileSync(path.join(ws.paths.mailboxFailed, over), "utf8"));
    expect(archive.error).toBe("envelope is 4097 bytes; the limit is 4096 bytes");
    expect(readdirSync(ws.paths.mailboxProcessed).filter((name) => name.endsWith(".json"))).toEqual([at]);
    // The writer refuses what the daemon would: nothing is written.
    let refused: unknown;
    try {
      writeMailboxCommand(
        ws.paths,
        "add_idea",
        { source_name: "big.md", markdown: `# Big\n\n${"z".repeat(5000)}` },
        { issuer: "test", now: new Date() },
      );
    } catch (error) {
      refused = error;
    }
    expect(MillraceError.isInstance(refused) && refused.code).toBe("mailbox_command_invalid");
    expect((refused as MillraceError).hint).toContain("max_mailbox_envelope_bytes");
    expect(readdirSync(ws.paths.mailboxIncoming)).toEqual([]);
  }, 60_000);
});
