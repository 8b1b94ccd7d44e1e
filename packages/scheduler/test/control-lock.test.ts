// The ownership lock's patient wait (control/control-lock.ts): a runtime that finds a control
// writer's lock announces that it waits, and control writers step aside for it, so a stream of
// direct commands cannot starve a starting daemon. Real processes, real lock files.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { acquireLock, inspectLock } from "@millrace/workspace";
import { afterEach, describe, expect, it } from "vitest";
import {
  acquireLockPatiently,
  newControlSessionId,
  runtimeWaitingFile,
} from "../src/control/control-lock.js";
import { demoWorkspace } from "./fixtures.js";

const CONTROL_LOCK = pathToFileURL(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "dist", "control", "control-lock.js"),
).href;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** A live process that is not this one (its pid for a waiting marker). */
function liveOther(): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
  children.push(child);
  return child;
}

/**
 * A child node running `script` (an ES module, the workspace root as its argument) from this test
 * folder, so it imports the built packages; `output()` is what it has printed so far.
 */
function spawnScript(script: string, root: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, root], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: path.dirname(fileURLToPath(import.meta.url)),
  });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (chunk) => {
    out += chunk;
  });
  return { child, output: () => out };
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("a runtime waiting for a control writer's lock", () => {
  it("announces itself while it waits, takes the lock once the writer is done, and withdraws", async () => {
    const ws = demoWorkspace();
    const marker = runtimeWaitingFile(ws.paths);
    const writer = acquireLock(ws.paths, { sessionId: newControlSessionId() });
    const { child: runtime, output } = spawnScript(
      `const { acquireLockPatiently } = await import(${JSON.stringify(CONTROL_LOCK)});
       const { workspacePaths } = await import("@millrace/workspace");
       const held = acquireLockPatiently(workspacePaths(process.argv[1]), { now: () => new Date(), runtime: true });
       process.stdout.write("acquired " + held.lock.owner_pid);`,
      ws.root,
    );
    const exited = new Promise<number | null>((resolve) => runtime.on("exit", resolve));
    await waitFor(() => existsSync(marker), "the runtime's announcement");
    expect(JSON.parse(readFileSync(marker, "utf8")).pid).toBe(runtime.pid);
    writer.release();
    expect(await exited).toBe(0);
    expect(output()).toBe(`acquired ${runtime.pid}`);
    expect(existsSync(marker)).toBe(false);
  });

  it("withdraws its announcement when it gives up", () => {
    const ws = demoWorkspace();
    const writer = acquireLock(ws.paths, { sessionId: newControlSessionId() });
    expect(() =>
      acquireLockPatiently(ws.paths, { now: () => new Date(), runtime: true, waitMs: 50 }),
    ).toThrow(/is owned by pid/);
    expect(existsSync(runtimeWaitingFile(ws.paths))).toBe(false);
    writer.release();
  });
});

describe("a control writer and a waiting runtime", () => {
  it("waits while a live runtime waits, and takes the lock once the runtime withdraws", async () => {
    const ws = demoWorkspace();
    const marker = runtimeWaitingFile(ws.paths);
    const other = liveOther();
    writeFileSync(marker, JSON.stringify({ pid: other.pid, since_ms: Date.now() }));
    // A helper process withdraws the announcement a little later; the writer must not get in first.
    const withdraw = spawn(
      process.execPath,
      ["-e", `setTimeout(() => require("node:fs").rmSync(${JSON.stringify(marker)}), 300)`],
      { stdio: "ignore" },
    );
    children.push(withdraw);
    const held = acquireLockPatiently(ws.paths, { now: () => new Date(), sessionId: newControlSessionId() });
    expect(existsSync(marker)).toBe(false);
    expect(inspectLock(ws.paths).state).toBe("active");
    held.release();
  });

  it("tries anyway once its own patience is spent", () => {
    const ws = demoWorkspace();
    const marker = runtimeWaitingFile(ws.paths);
    writeFileSync(marker, JSON.stringify({ pid: liveOther().pid, since_ms: Date.now() }));
    const held = acquireLockPatiently(ws.paths, {
      now: () => new Date(),
      sessionId: newControlSessionId(),
      waitMs: 100,
    });
    expect(existsSync(marker)).toBe(true);
    held.release();
  });

  it.each([
    ["a dead pid", () => JSON.stringify({ pid: 2 ** 22 + 12_345, since_ms: Date.now() })],
    ["this process's own pid", () => JSON.stringify({ pid: process.pid, since_ms: Date.now() })],
    ["an old announcement", () => JSON.stringify({ pid: liveOther().pid, since_ms: Date.now() - 60_000 })],
    ["one from the future", () => JSON.stringify({ pid: liveOther().pid, since_ms: Date.now() + 60_000 })],
    ["a pid that is not a number", () => JSON.stringify({ pid: "1", since_ms: Date.now() })],
    ["garbage", () => "{not json"],
    [
      "an oversized file",
      () => JSON.stringify({ pid: liveOther().pid, since_ms: Date.now(), pad: "x".repeat(400) }),
    ],
  ])("ignores an announcement with %s, and leaves it alone", (_what, text) => {
    const ws = demoWorkspace();
    const marker = runtimeWaitingFile(ws.paths);
    writeFileSync(marker, text());
    const held = acquireLockPatiently(ws.paths, {
      now: () => new Date(),
      sessionId: newControlSessionId(),
      waitMs: 60_000,
    });
    expect(existsSync(marker)).toBe(true);
    held.release();
  });

  it("ignores an announcement that is a link, and a folder in its place", () => {
    const ws = demoWorkspace();
    const marker = runtimeWaitingFile(ws.paths);
    const elsewhere = path.join(ws.root, "elsewhere.json");
    writeFileSync(elsewhere, JSON.stringify({ pid: liveOther().pid, since_ms: Date.now() }));
    symlinkSync(elsewhere, marker);
    acquireLockPatiently(ws.paths, { now: () => new Date(), waitMs: 60_000 }).release();
    const ws2 = demoWorkspace();
    mkdirSync(runtimeWaitingFile(ws2.paths));
    acquireLockPatiently(ws2.paths, { now: () => new Date(), waitMs: 60_000 }).release();
  });
});

describe("a lock released between the refusal and the second look", () => {
  // A child takes control locks back to back, holds each for 2 ms and does not step aside, so a
  // refused starter often finds the lock gone when it looks again. The starter must keep waiting
  // and win a gap, not give up as though a runtime owned the workspace. Ten takes per case, so a
  // starter that gives up on a vanished lock fails here nearly every run.
  it.each([
    ["a runtime", true],
    ["a control writer", false],
  ])(
    "%s keeps waiting and takes the lock",
    async (_who, runtime) => {
      const ws = demoWorkspace();
      const { output } = spawnScript(
        `const { acquireLock, workspacePaths } = await import("@millrace/workspace");
         const { newControlSessionId } = await import(${JSON.stringify(CONTROL_LOCK)});
         const paths = workspacePaths(process.argv[1]);
         const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
         let cycles = 0;
         for (;;) {
           let held;
           try { held = acquireLock(paths, { sessionId: newControlSessionId() }); }
           catch { pause(1); continue; }
           if (++cycles === 1) process.stdout.write("holding\\n");
           pause(2);
           held.release();
         }`,
        ws.root,
      );
      await waitFor(() => output().includes("holding"), "the child's first lock");
      for (let take = 0; take < 10; take++) {
        const held = acquireLockPatiently(ws.paths, {
          now: () => new Date(),
          waitMs: 15_000,
          ...(runtime ? { runtime: true } : { sessionId: newControlSessionId() }),
        });
        expect(held.lock.owner_pid).toBe(process.pid);
        held.release();
        // Let the child take the lock again before the next take.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(existsSync(runtimeWaitingFile(ws.paths))).toBe(false);
    },
    60_000,
  );
});
