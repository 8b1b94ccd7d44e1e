// An idle daemon's cycles change nothing, so they write nothing: no commit-journal record, no
// fsync, no snapshot rewrite (its updated_at stays the time the state last changed). A change
// still commits at once. Real engine, real files.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeMailboxCommand } from "../src/index.js";
import { demoWorkspace, type TestWorkspace, testEngine } from "./fixtures.js";

/** The snapshot file's text and the commit journal's size on disk. */
function disk(ws: TestWorkspace) {
  const journal = readdirSync(ws.paths.state)
    .filter((name) => name.startsWith("commit_journal"))
    .reduce((sum, name) => sum + statSync(path.join(ws.paths.state, name)).size, 0);
  return { snapshot: readFileSync(ws.paths.snapshot, "utf8"), journal };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("an idle daemon", () => {
  it("writes no record and leaves the snapshot alone over many idle cycles; a command still commits", async () => {
    // idle_sleep_seconds = 0.05 and no watchers: the daemon polls about 20 times a second.
    const ws = demoWorkspace();
    const { engine } = testEngine(ws, { watch: false, clock: () => new Date() });
    const controller = new AbortController();
    const running = engine.runDaemon({ signal: controller.signal });
    try {
      await sleep(400);
      const idle = disk(ws);
      await sleep(600);
      expect(disk(ws)).toEqual(idle);

      writeMailboxCommand(ws.paths, "pause", {}, { issuer: "test", now: new Date() });
      await sleep(400);
      const paused = disk(ws);
      expect(paused.journal).toBeGreaterThan(idle.journal);
      expect(JSON.parse(paused.snapshot).paused).toBe(true);
      // Paused and idle again: nothing more is written.
      await sleep(400);
      expect(disk(ws)).toEqual(paused);
    } finally {
      controller.abort();
    }
    // The daemon did cycle all along (about 20 a second), and it stopped cleanly.
    expect((await running).ticks).toBeGreaterThan(15);
    await engine.close();
    const after = JSON.parse(readFileSync(ws.paths.snapshot, "utf8"));
    expect(after.process_running).toBe(false);
  });
});
