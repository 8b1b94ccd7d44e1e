import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { acquireLock, inspectLock, workspacePaths } from "../src/index.js";
import { isProcessAlive, releaseLock } from "../src/lock.js";
import { distEntry, hashTree, tempDir } from "./helpers.js";

function freshPaths() {
  const paths = workspacePaths(tempDir());
  mkdirSync(paths.state, { recursive: true });
  return paths;
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  const pid = Number(child.stdout.toString());
  expect(isProcessAlive(pid)).toBe(false);
  return pid;
}

function writeLock(paths: ReturnType<typeof workspacePaths>, pid: number, session = "a".repeat(32)) {
  writeFileSync(
    paths.lockFile,
    JSON.stringify({
      workspace_root: paths.root,
      owner_pid: pid,
      owner_hostname: "elsewhere",
      owner_session_id: session,
      acquired_at: "2026-04-28T10:00:00Z",
    }),
  );
}

describe("ownership lock", () => {
  it("classifies absent, active, stale and invalid", () => {
    const paths = freshPaths();
    expect(inspectLock(paths).state).toBe("absent");
    writeLock(paths, process.pid);
    expect(inspectLock(paths).state).toBe("active");
    writeLock(paths, deadPid());
    expect(inspectLock(paths).state).toBe("stale");
    writeFileSync(paths.lockFile, "{not json");
    expect(inspectLock(paths)).toMatchObject({ state: "invalid", reason: "the lock file is not valid JSON" });
    writeFileSync(paths.lockFile, JSON.stringify({ workspace_root: paths.root }));
    expect(inspectLock(paths).state).toBe("invalid");
  });

  it("a lock naming another workspace is invalid", () => {
    const paths = freshPaths();
    writeFileSync(
      paths.lockFile,
      JSON.stringify({
        workspace_root: "/other/root",
        owner_pid: process.pid,
        owner_hostname: "h",
        owner_session_id: "b".repeat(32),
        acquired_at: "2026-04-28T10:00:00+00:00",
      }),
    );
    expect(inspectLock(paths)).toMatchObject({ state: "invalid" });
  });

  it("pid 1 (owned by someone else or by root) counts as alive", () => {
    expect(isProcessAlive(1)).toBe(true);
    expect(isProcessAlive(-5)).toBe(false);
  });

  it("acquires with exclusive create and the documented shape; release needs the session id", () => {
    const paths = freshPaths();
    const held = acquireLock(paths, { now: new Date("2026-04-28T10:00:00Z") });
    expect(held.replaced).toBe("absent");
    const onDisk = JSON.parse(readFileSync(paths.lockFile, "utf8"));
    // The Python original's keys, in its order; then ours (the start time, where /proc has it).
    expect(Object.keys(onDisk).slice(0, 5)).toEqual([
      "workspace_root",
      "owner_pid",
      "owner_hostname",
      "owner_session_id",
      "acquired_at",
    ]);
    expect(Object.keys(onDisk).slice(5)).toEqual(process.platform === "linux" ? ["owner_start_time"] : []);
    expect(onDisk).toMatchObject({
      workspace_root: paths.root,
      owner_pid: process.pid,
      owner_hostname: os.hostname(),
      acquired_at: "2026-04-28T10:00:00Z",
    });
    expect(onDisk.owner_session_id).toMatch(/^[0-9a-f]{32}$/);
    expect(releaseLock(paths, "f".repeat(32))).toBe(false);
    expect(existsSync(paths.lockFile)).toBe(true);
    expect(held.release()).toBe(true);
    expect(existsSync(paths.lockFile)).toBe(false);
    expect(held.release()).toBe(false);
  });

  it("a second owner is refused with workspace_locked naming pid, host, session and the fix; nothing changes", () => {
    const paths = freshPaths();
    const held = acquireLock(paths);
    const before = hashTree(paths.root);
    let error: unknown;
    try {
      acquireLock(paths);
    } catch (e) {
      error = e;
    }
    expect(MillraceError.isInstance(error)).toBe(true);
    const err = error as MillraceError;
    expect(err.code).toBe("workspace_locked");
    expect(err.exitStatus).toBe(3);
    expect(err.message).toContain(`pid ${process.pid}`);
    expect(err.message).toContain(os.hostname());
    expect(err.message).toContain(held.lock.owner_session_id);
    expect(err.hint).toContain(paths.lockFile);
    expect(hashTree(paths.root)).toBe(before);
  });

  it("replaces a stale lock and an invalid lock", () => {
    const paths = freshPaths();
    writeLock(paths, deadPid());
    const held = acquireLock(paths);
    expect(held.replaced).toBe("stale");
    expect(inspectLock(paths)).toMatchObject({
      state: "active",
      lock: { owner_session_id: held.lock.owner_session_id },
    });
    held.release();
    writeFileSync(paths.lockFile, "garbage");
    expect(acquireLock(paths).replaced).toBe("invalid");
  });

  it("a state folder that cannot hold the lock fails with workspace_not_writable", () => {
    const paths = workspacePaths(tempDir());
    mkdirSync(paths.runtimeRoot, { recursive: true });
    writeFileSync(paths.state, "a file where the state folder should be");
    expect(() => acquireLock(paths)).toThrow(expect.objectContaining({ code: "workspace_not_writable" }));
  });

  it("two real processes racing for a stale lock: exactly one wins, every round", async () => {
    // Each child waits for `go`, tries once and reports; a winner holds the lock until `end`, which
    // the test writes only after every child has reported (so a slow starter cannot find the
    // winner already gone and legitimately replace its now-stale lock).
    const script = `
      import { acquireLock, workspacePaths } from ${JSON.stringify(distEntry)};
      import { existsSync } from "node:fs";
      const [root, go, end] = process.argv.slice(1);
      const wait = async (file) => { while (!existsSync(file)) await new Promise((r) => setTimeout(r, 1)); };
      await wait(go);
      try {
        const held = acquireLock(workspacePaths(root));
        process.stdout.write("won " + held.replaced + "\\n");
        await wait(end);
      } catch (error) {
        process.stdout.write("lost " + error.code + "\\n");
      }
    `;
    for (let round = 0; round < 5; round++) {
      const paths = freshPaths();
      writeLock(paths, deadPid());
      const go = path.join(paths.root, "go");
      const end = path.join(paths.root, "end");
      const reported: Promise<string>[] = [];
      const closed: Promise<void>[] = [];
      for (let i = 0; i < 3; i++) {
        const child = spawn(process.execPath, ["--input-type=module", "-e", script, paths.root, go, end]);
        let out = "";
        reported.push(
          new Promise<string>((resolve) => {
            child.stdout.on("data", (chunk) => {
              out += chunk;
              if (out.includes("\n")) resolve(out.trim());
            });
            child.stderr.on("data", (chunk) => {
              out += chunk;
            });
            child.on("close", () => resolve(out.trim()));
          }),
        );
        closed.push(new Promise<void>((resolve) => child.on("close", () => resolve())));
      }
      await new Promise((r) => setTimeout(r, 150));
      writeFileSync(go, "");
      const results = await Promise.all(reported);
      writeFileSync(end, "");
      await Promise.all(closed);
      expect(results.filter((r) => r.startsWith("won"))).toHaveLength(1);
      expect(results.filter((r) => r === "lost workspace_locked")).toHaveLength(2);
      expect(existsSync(`${paths.lockFile}.takeover`)).toBe(false);
    }
  });
});
