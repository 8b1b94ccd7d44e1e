import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { emptyRecoveryCounters, RecoveryCountersSchema, RuntimeSnapshotSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { initWorkspace, repairStateFiles, workspacePaths } from "../src/index.js";
import { readRecoveryCounters, readRuntimeSnapshot } from "../src/state-files.js";
import { tempDir } from "./helpers.js";

const now = new Date("2026-04-28T10:00:00Z");

function workspace() {
  const root = tempDir();
  initWorkspace(root, { now });
  return workspacePaths(root);
}

const kept = (paths: ReturnType<typeof workspacePaths>) =>
  readdirSync(paths.state)
    .filter((name) => name.includes(".corrupt-"))
    .sort();

describe("state file repair", () => {
  it("leaves valid files alone", () => {
    const paths = workspace();
    const before = readFileSync(paths.snapshot, "utf8");
    expect(repairStateFiles(paths, { now })).toEqual([]);
    expect(readFileSync(paths.snapshot, "utf8")).toBe(before);
  });

  it("a truncated snapshot is kept aside and replaced by a fresh one that loads", () => {
    const paths = workspace();
    const original = readFileSync(paths.snapshot, "utf8");
    writeFileSync(paths.snapshot, original.slice(0, 40));
    const repairs = repairStateFiles(paths, { now });
    expect(repairs).toEqual([
      {
        file: paths.snapshot,
        kept_as: `${paths.snapshot}.corrupt-20260428T100000Z`,
        reason: expect.stringMatching(/^is not valid JSON/),
      },
    ]);
    expect(readFileSync(`${paths.snapshot}.corrupt-20260428T100000Z`, "utf8")).toBe(original.slice(0, 40));
    expect(RuntimeSnapshotSchema.safeParse(readRuntimeSnapshot(paths)).success).toBe(true);
    // A second broken copy at the same moment does not overwrite the first one kept.
    writeFileSync(paths.snapshot, "{}");
    expect(repairStateFiles(paths, { now })[0]?.reason).toMatch(/does not match its schema/);
    expect(kept(paths)).toEqual([
      "runtime_snapshot.json.corrupt-20260428T100000Z",
      "runtime_snapshot.json.corrupt-20260428T100000Z-1",
    ]);
  });

  it("counters of the wrong shape, missing files, directories, links and FIFOs are all repaired", () => {
    const paths = workspace();
    writeFileSync(paths.recoveryCounters, JSON.stringify({ entries: "nope" }));
    rmSync(paths.snapshot);
    const repairs = repairStateFiles(paths, { now });
    expect(repairs.map((r) => [path.basename(r.file), r.kept_as === null, r.reason.split(" (")[0]])).toEqual([
      ["runtime_snapshot.json", true, "missing"],
      ["recovery_counters.json", false, "does not match its schema"],
    ]);
    expect(readRecoveryCounters(paths)).toEqual(RecoveryCountersSchema.parse(emptyRecoveryCounters()));

    rmSync(paths.snapshot);
    mkdirSync(paths.snapshot);
    const outside = path.join(tempDir(), "outside.json");
    writeFileSync(outside, "secret");
    rmSync(paths.recoveryCounters);
    symlinkSync(outside, paths.recoveryCounters);
    expect(repairStateFiles(paths, { now: new Date("2026-04-28T11:00:00Z") }).map((r) => r.reason)).toEqual([
      "is not a regular file",
      "is not a regular file",
    ]);
    expect(readFileSync(outside, "utf8")).toBe("secret"); // the link was moved, its target untouched
    expect(readRuntimeSnapshot(paths).kind).toBe("runtime_snapshot");

    // A FIFO would block a plain read forever; it is moved aside without being opened.
    rmSync(paths.snapshot);
    execFileSync("mkfifo", [paths.snapshot]);
    expect(repairStateFiles(paths, { now: new Date("2026-04-28T12:00:00Z") })[0]?.reason).toBe(
      "is not a regular file",
    );
    expect(readRuntimeSnapshot(paths).kind).toBe("runtime_snapshot");
  });

  it("an oversized file is not read", () => {
    const paths = workspace();
    writeFileSync(paths.snapshot, Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(repairStateFiles(paths, { now })[0]?.reason).toMatch(/larger than any real state file/);
  });
});
