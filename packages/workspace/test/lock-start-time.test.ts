import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceError, RuntimeLockSchema } from "@millrace/contracts";
import { afterEach, describe, expect, it } from "vitest";
import {
  acquireLock,
  inspectLock,
  isLockOwnerProcess,
  processStartTime,
  workspacePaths,
} from "../src/index.js";
import { parseProcStatStartTime } from "../src/process-start.js";
import { tempDir } from "./helpers.js";

const linux = process.platform === "linux";

function freshPaths() {
  const paths = workspacePaths(tempDir());
  mkdirSync(paths.state, { recursive: true });
  return paths;
}

function writeLock(paths: ReturnType<typeof workspacePaths>, fields: Record<string, unknown>) {
  writeFileSync(
    paths.lockFile,
    JSON.stringify({
      workspace_root: paths.root,
      owner_hostname: "host",
      owner_session_id: "c".repeat(32),
      acquired_at: "2026-04-28T10:00:00Z",
      ...fields,
    }),
  );
}

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** A live process that is not Millrace: stands in for whatever reused the owner's pid. */
function unrelatedProcess(): number {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  children.push(child);
  if (child.pid === undefined) throw new Error("spawn failed");
  return child.pid;
}

describe("process start time", () => {
  it("reads field 22 even when the command name holds spaces and parentheses", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[19] = "987654";
    expect(parseProcStatStartTime(`42 (a) b (c)) ${fields.join(" ")}\n`)).toBe(987654);
    expect(parseProcStatStartTime("42 (short) S 1 2")).toBeUndefined();
    expect(parseProcStatStartTime("no parenthesis")).toBeUndefined();
    expect(parseProcStatStartTime(`1 (x) ${fields.slice(0, 19).join(" ")} -5 1`)).toBeUndefined();
  });

  it("is undefined where /proc is absent, and the lock check then falls back to the pid", () => {
    const noProc = path.join(tempDir(), "no-proc");
    expect(processStartTime(process.pid, noProc)).toBeUndefined();
    expect(processStartTime(-1)).toBeUndefined();
    const lock = RuntimeLockSchema.parse({
      workspace_root: "/w",
      owner_pid: process.pid,
      owner_hostname: "h",
      owner_session_id: "d".repeat(32),
      acquired_at: "2026-04-28T10:00:00Z",
      owner_start_time: 1,
    });
    expect(isLockOwnerProcess(lock, noProc)).toBe(true);
    const fakeProc = tempDir();
    mkdirSync(path.join(fakeProc, String(process.pid)));
    const fields = Array.from({ length: 50 }, () => "0");
    fields[19] = "77";
    writeFileSync(path.join(fakeProc, String(process.pid), "stat"), `1 (node) ${fields.join(" ")}`);
    expect(processStartTime(process.pid, fakeProc)).toBe(77);
    expect(isLockOwnerProcess(lock, fakeProc)).toBe(false);
    expect(isLockOwnerProcess({ ...lock, owner_start_time: 77 }, fakeProc)).toBe(true);
  });

  it.runIf(linux)("matches what /proc says about this process", () => {
    const stat = readFileSync(`/proc/${process.pid}/stat`, "utf8");
    expect(processStartTime(process.pid)).toBe(Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]));
  });
});

describe("ownership lock and pid reuse", () => {
  it.runIf(linux)("records the owner's start time beside the Python original's keys", () => {
    const paths = freshPaths();
    acquireLock(paths).lock;
    const written = JSON.parse(readFileSync(paths.lockFile, "utf8")) as Record<string, unknown>;
    expect(Object.keys(written).sort()).toEqual([
      "acquired_at",
      "owner_hostname",
      "owner_pid",
      "owner_session_id",
      "owner_start_time",
      "workspace_root",
    ]);
    expect(written.owner_start_time).toBe(processStartTime(process.pid));
  });

  it.runIf(linux)(
    "a live unrelated process under the owner's pid makes the lock stale, and a start replaces it",
    () => {
      const paths = freshPaths();
      const pid = unrelatedProcess();
      const started = processStartTime(pid);
      expect(started).toBeTypeOf("number");
      writeLock(paths, { owner_pid: pid, owner_start_time: (started as number) + 1 });
      expect(inspectLock(paths)).toMatchObject({ state: "stale", why: "pid_reused" });
      const held = acquireLock(paths);
      expect(held.replaced).toBe("stale");
      expect(inspectLock(paths)).toMatchObject({ state: "active", lock: { owner_pid: process.pid } });
    },
  );

  it.runIf(linux)("the same pid with the same start time is still the owner", () => {
    const paths = freshPaths();
    const pid = unrelatedProcess();
    writeLock(paths, { owner_pid: pid, owner_start_time: processStartTime(pid) });
    expect(inspectLock(paths).state).toBe("active");
    expect(() => acquireLock(paths)).toThrow(expect.objectContaining({ code: "workspace_locked" }));
  });

  it("an old lock without a start time stays readable and is judged by its pid alone", () => {
    const paths = freshPaths();
    writeLock(paths, { owner_pid: process.pid });
    expect(inspectLock(paths)).toMatchObject({ state: "active", lock: { owner_pid: process.pid } });
    let error: unknown;
    try {
      acquireLock(paths, { startTime: null });
    } catch (caught) {
      error = caught;
    }
    expect(MillraceError.isInstance(error)).toBe(true);
    // The hint names a command that exists (`millrace stop`), not the old `millrace control stop`.
    expect((error as MillraceError).hint).toContain(`\`millrace stop --workspace ${paths.root}\``);
    expect((error as MillraceError).hint).not.toContain("control stop");
  });

  it("a start time of null records none", () => {
    const paths = freshPaths();
    const held = acquireLock(paths, { startTime: null });
    expect(held.lock.owner_start_time).toBeUndefined();
    expect(JSON.parse(readFileSync(paths.lockFile, "utf8"))).not.toHaveProperty("owner_start_time");
  });
});
