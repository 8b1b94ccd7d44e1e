import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { enqueueTask, runUntilIdle, type TestWorkspace } from "../fixtures.js";
import { completedStages, eventsOfType, locate, scenarioWorkspace } from "./helpers.js";

/**
 * Issue 11, break 2: one planted entry in a watched folder used to stop the daemon (a FIFO hung it
 * in `open`, a folder crash-looped it, a link to /dev/zero filled its memory). Each is now moved into
 * `millrace-agents/quarantine/` with its reason, once, while the real work goes on.
 */

function plantHostileEntries(folder: string, extension: string, outside: string): string[] {
  mkdirSync(folder, { recursive: true });
  const fifo = `pipe${extension}`;
  execFileSync("mkfifo", [path.join(folder, fifo)]);
  const dir = `adir${extension}`;
  mkdirSync(path.join(folder, dir));
  const zero = `zero${extension}`;
  symlinkSync("/dev/zero", path.join(folder, zero));
  const secret = `passwd${extension}`;
  symlinkSync(outside, path.join(folder, secret));
  return [fifo, dir, zero, secret].sort();
}

function quarantined(ws: TestWorkspace): string[] {
  if (!existsSync(ws.paths.quarantine)) return [];
  return readdirSync(ws.paths.quarantine)
    .filter((name) => !name.endsWith(".reason.json"))
    .map((name) => name.replace(/^\d{8}T\d{6}Z-[0-9a-f]{8}-/, ""))
    .sort();
}

describe("hostile entries in the watched folders", () => {
  it("quarantines a FIFO, a folder and links in the mailbox and the ideas inbox while a task completes", async () => {
    const ws = scenarioWorkspace({ rules: [] });
    const outside = path.join(ws.root, "..", `outside-${path.basename(ws.root)}.txt`);
    writeFileSync(outside, "root:x:0:0:secret\n");
    const inMailbox = plantHostileEntries(ws.paths.mailboxIncoming, ".json", outside);
    const inInbox = plantHostileEntries(ws.paths.ideasInbox, ".md", outside);
    enqueueTask(ws, "task-a");

    await runUntilIdle(ws);

    expect(locate(ws, "task-a")).toEqual(["task/done"]);
    expect(completedStages(ws).length).toBeGreaterThan(0);
    expect(quarantined(ws)).toEqual([...inMailbox, ...inInbox].sort());
    expect(readdirSync(ws.paths.mailboxIncoming)).toEqual([]);
    expect(readdirSync(ws.paths.ideasInbox)).toEqual([]);
    // Nothing from outside reached a spec: no idea became a spec, and every reason is recorded.
    expect(eventsOfType(ws, "idea_normalized_to_spec")).toEqual([]);
    const skipped = eventsOfType(ws, "idea_normalization_skipped").map((event) => event.data.reason);
    expect(skipped).toHaveLength(4);
    for (const reason of skipped) expect(String(reason)).toMatch(/^idea (is|does)/);
    const reasons = readdirSync(ws.paths.quarantine).filter((name) => name.endsWith(".reason.json"));
    expect(reasons).toHaveLength(8);
    for (const name of reasons) {
      expect(readFileSync(path.join(ws.paths.quarantine, name), "utf8")).not.toContain("secret");
    }
    expect(eventsOfType(ws, "mailbox_command_failed")).toHaveLength(4);

    // Handled once: a second run finds nothing more to do.
    await runUntilIdle(ws);
    expect(eventsOfType(ws, "mailbox_command_failed")).toHaveLength(4);
    expect(eventsOfType(ws, "idea_normalization_skipped")).toHaveLength(4);
  }, 60_000);

  it("refuses an idea with control characters and an oversized mailbox file without reading them whole", async () => {
    const ws = scenarioWorkspace({ rules: [] });
    mkdirSync(ws.paths.ideasInbox, { recursive: true });
    writeFileSync(
      path.join(ws.paths.ideasInbox, "evil.md"),
      "# Evil \u001b[2J\u001b]0;pwned\u0007 title\n\nbody\n",
    );
    writeFileSync(
      path.join(ws.paths.mailboxIncoming, "big.json"),
      `{"pad":"${"x".repeat(2 * 1024 * 1024)}"}`,
    );

    await runUntilIdle(ws);

    expect(quarantined(ws)).toEqual(["evil.md"]);
    expect(eventsOfType(ws, "idea_normalized_to_spec")).toEqual([]);
    const failed = readdirSync(ws.paths.mailboxFailed).filter((name) => name.endsWith(".json"));
    expect(failed).toEqual(["big.json"]);
    const archive = JSON.parse(readFileSync(path.join(ws.paths.mailboxFailed, "big.json"), "utf8"));
    expect(archive.error).toMatch(/^envelope is \d+ bytes; the limit is \d+ bytes$/);
  }, 60_000);
});
