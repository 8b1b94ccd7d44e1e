import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { removeAbandonedGuard } from "../src/event-log-segments.js";
import { eventLogStart, readEventsFrom } from "../src/index.js";
import { distEntry, tempDir } from "./helpers.js";

/** A pid that has exited (a child run to its end). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(child.stdout);
}

function guardFile(content: string): string {
  const dir = path.join(tempDir(), "logs");
  mkdirSync(dir, { recursive: true });
  const guard = path.join(dir, "runtime_events.jsonl.rotating");
  writeFileSync(guard, content);
  return guard;
}

describe("the rotation guard", () => {
  it("keeps a young guard whose pid is not written yet: its rotator is between create and write", () => {
    for (const content of ["", "\n", "garbage"]) {
      const guard = guardFile(content);
      expect(removeAbandonedGuard(guard)).toBe(false);
      expect(existsSync(guard)).toBe(true);
    }
  });

  it("keeps the guard of a live process, removes one of a dead process or of this one", () => {
    const live = guardFile(`${process.ppid}\n`);
    expect(removeAbandonedGuard(live)).toBe(false);
    const dead = guardFile(`${deadPid()}\n`);
    expect(removeAbandonedGuard(dead)).toBe(true);
    expect(existsSync(dead)).toBe(false);
    const ours = guardFile(`${process.pid}\n`);
    expect(removeAbandonedGuard(ours)).toBe(true);
  });

  it("removes any guard older than a minute (a reused pid, a rotator that never wrote its pid)", () => {
    const guard = guardFile("");
    const old = new Date(Date.now() - 120_000);
    utimesSync(guard, old, old);
    expect(removeAbandonedGuard(guard)).toBe(true);
    expect(existsSync(guard)).toBe(false);
  });

  it("six processes rotating a small log at once lose no event (a guard being written is not stolen)", async () => {
    const file = path.join(tempDir(), "logs", "runtime_events.jsonl");
    const script = `
      const { appendRuntimeEvent } = await import(process.argv[1]);
      const [file, writer] = [process.argv[2], process.argv[3]];
      for (let i = 0; i < 200; i++) {
        appendRuntimeEvent(file, { event_type: "runtime_tick_idle", data: { writer, i } }, { rotation: { maxBytes: 1500, keepSegments: 100000 } });
      }
    `;
    const writers = ["a", "b", "c", "d", "e", "f"];
    const exits = await Promise.all(
      writers.map(
        (writer) =>
          new Promise<number | null>((resolve) => {
            spawn(process.execPath, ["--input-type=module", "-e", script, distEntry, file, writer], {
              stdio: ["ignore", "ignore", "inherit"],
            }).on("close", resolve);
          }),
      ),
    );
    expect(exits).toEqual(writers.map(() => 0));
    const { events, gap } = readEventsFrom(file, eventLogStart(file), { graceMs: 0 });
    expect(gap).toBe(false);
    for (const writer of writers) {
      const mine = events.filter((event) => event.data.writer === writer).map((event) => event.data.i);
      expect(mine, writer).toEqual(Array.from({ length: 200 }, (_, i) => i));
    }
  }, 120_000);
});
