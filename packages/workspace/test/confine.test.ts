import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import {
  appendFileDurableSync,
  appendRuntimeEvent,
  assertInsideWorkspace,
  createFileExclusiveSync,
  findPathEscape,
  initWorkspace,
  moveFileDurableSync,
  resolveInsideReal,
  runDir,
  workspacePaths,
  writeFileAtomicSync,
} from "../src/index.js";
import { readRuntimeSnapshot, writeRuntimeSnapshot, writeStatusMarker } from "../src/state-files.js";
import { fakeAssets, tempDir } from "./helpers.js";

function fresh() {
  const root = tempDir();
  initWorkspace(root, { assetsRoot: fakeAssets() });
  return workspacePaths(root);
}

/** Replaces a runtime folder or file with a link to a fresh folder (or file) outside the workspace. */
function linkOutside(target: string, kind: "dir" | "file"): string {
  const outside = tempDir("millrace-outside-");
  const destination = kind === "dir" ? outside : path.join(outside, path.basename(target));
  if (kind === "file") writeFileSync(destination, "");
  rmSync(target, { recursive: true, force: true });
  symlinkSync(destination, target);
  return outside;
}

function refusal(action: () => unknown): MillraceError {
  try {
    action();
  } catch (error) {
    if (MillraceError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("confinement by real path", () => {
  it("refuses each runtime write through a link that leaves the workspace, and writes nothing outside", () => {
    const paths = fresh();
    const snapshot = readRuntimeSnapshot(paths);
    const outsideRuns = linkOutside(paths.runs, "dir");
    const outsideDone = linkOutside(paths.queues.task.done, "dir");
    const outsideHistory = linkOutside(paths.historylog, "file");
    const outsideLogs = linkOutside(paths.runtimeEvents, "file");
    const outsideState = linkOutside(paths.state, "dir");

    const runs = refusal(() => runDir(paths, "run-1"));
    expect(runs.code).toBe("workspace_path_escapes");
    expect(runs.message).toMatch(
      /^refusing millrace-agents\/runs\/run-1: millrace-agents\/runs is a symbolic link to .*, outside the workspace$/,
    );
    expect(runs.hint).toContain("millrace doctor");

    const source = path.join(paths.queues.task.active, "t-1.md");
    writeFileSync(source, "# t\n");
    expect(refusal(() => moveFileDurableSync(source, path.join(paths.queues.task.done, "t-1.md"))).code).toBe(
      "workspace_path_escapes",
    );
    expect(existsSync(source)).toBe(true);

    expect(refusal(() => appendFileDurableSync(paths.historylog, "entry\n")).message).toContain(
      "millrace-agents/historylog.md is a symbolic link",
    );
    expect(
      refusal(() => appendRuntimeEvent(paths.runtimeEvents, { event_type: "runtime_tick_idle", data: {} }))
        .code,
    ).toBe("workspace_path_escapes");
    expect(refusal(() => writeStatusMarker(paths, "execution", "### IDLE")).code).toBe(
      "workspace_path_escapes",
    );
    expect(refusal(() => writeRuntimeSnapshot(paths, snapshot)).code).toBe("workspace_path_escapes");
    expect(refusal(() => writeFileAtomicSync(path.join(paths.runs, "r", "x.json"), "{}")).code).toBe(
      "workspace_path_escapes",
    );
    expect(refusal(() => createFileExclusiveSync(path.join(paths.queues.task.done, "n.md"), "x")).code).toBe(
      "workspace_path_escapes",
    );

    expect(readdirSync(outsideRuns)).toEqual([]);
    expect(readdirSync(outsideDone)).toEqual([]);
    expect(readdirSync(outsideState)).toEqual([]);
    expect(readdirSync(outsideHistory)).toEqual(["historylog.md"]);
    expect(readdirSync(outsideLogs)).toEqual(["runtime_events.jsonl"]);
  });

  it("allows links that stay inside the workspace, and a workspace reached through a link", () => {
    const paths = fresh();
    const inside = path.join(paths.root, "elsewhere-runs");
    renameSync(paths.runs, inside);
    symlinkSync(inside, paths.runs);
    expect(runDir(paths, "run-1")).toBe(path.join(paths.runs, "run-1"));
    writeFileAtomicSync(path.join(paths.runs, "x.json"), "{}");
    expect(existsSync(path.join(inside, "x.json"))).toBe(true);

    const alias = path.join(tempDir(), "alias");
    symlinkSync(paths.root, alias);
    const viaAlias = workspacePaths(alias);
    appendRuntimeEvent(viaAlias.runtimeEvents, { event_type: "runtime_tick_idle", data: {} });
    expect(runDir(viaAlias, "run-2")).toBe(path.join(viaAlias.runs, "run-2"));
  });

  it("refuses dangling links and paths outside the root", () => {
    const paths = fresh();
    rmSync(paths.historylog);
    symlinkSync(path.join(tempDir(), "nowhere", "h.md"), paths.historylog);
    expect(findPathEscape(paths.root, paths.historylog)).toMatchObject({ dangling: true });
    expect(refusal(() => appendFileDurableSync(paths.historylog, "x")).message).toContain("dangling");
    expect(refusal(() => assertInsideWorkspace(paths, "/etc/passwd")).message).toBe(
      "refusing /etc/passwd: /etc/passwd is outside the workspace",
    );
  });

  it("resolveInsideReal refuses a base-relative path through a link out of the base", () => {
    const base = tempDir();
    const outside = tempDir("millrace-outside-");
    symlinkSync(outside, path.join(base, "wslink"));
    mkdirSync(path.join(base, "real"));
    expect(resolveInsideReal(base, "wslink/x")).toBeUndefined();
    expect(resolveInsideReal(base, "../x")).toBeUndefined();
    expect(resolveInsideReal(base, "/etc/passwd")).toBeUndefined();
    expect(resolveInsideReal(base, "real/new/deeper.txt")).toBe(path.join(base, "real", "new", "deeper.txt"));
  });

  it("a folder confirmed inside and then swapped for a link out of the workspace is refused", () => {
    const paths = fresh();
    // First write: the logs folder is confirmed inside (and remembered by inode).
    appendRuntimeEvent(paths.runtimeEvents, { event_type: "runtime_tick_idle", data: {} });
    const outside = linkOutside(path.dirname(paths.runtimeEvents), "dir");
    const error = refusal(() =>
      appendRuntimeEvent(paths.runtimeEvents, { event_type: "runtime_tick_idle", data: {} }),
    );
    expect(error.code).toBe("workspace_path_escapes");
    expect(readdirSync(outside)).toEqual([]);
  });

  it("a file swapped for a link out of the workspace after a confirmed write is refused", () => {
    const paths = fresh();
    writeFileAtomicSync(path.join(paths.runs, "x.json"), "{}");
    const outside = tempDir("millrace-outside-");
    symlinkSync(path.join(outside, "y.json"), path.join(paths.runs, "y.json"));
    expect(refusal(() => appendFileDurableSync(path.join(paths.runs, "y.json"), "x")).message).toContain(
      "dangling",
    );
    writeFileSync(path.join(outside, "z.json"), "");
    symlinkSync(path.join(outside, "z.json"), path.join(paths.runs, "z.json"));
    expect(refusal(() => appendFileDurableSync(path.join(paths.runs, "z.json"), "x")).code).toBe(
      "workspace_path_escapes",
    );
  });

  it("a name first written while missing, then planted as a link out of the workspace, is refused", () => {
    const paths = fresh();
    const target = path.join(paths.runs, "fresh.json");
    writeFileAtomicSync(target, "{}"); // missing at the check: allowed, and nothing is remembered
    rmSync(target);
    const outside = tempDir("millrace-outside-");
    writeFileSync(path.join(outside, "fresh.json"), "");
    symlinkSync(path.join(outside, "fresh.json"), target);
    expect(refusal(() => writeFileAtomicSync(target, "{}")).code).toBe("workspace_path_escapes");
    // A missing folder on the way (ENOTDIR below a file, ENOENT below a missing folder) is no escape.
    expect(findPathEscape(paths.root, path.join(paths.runs, "nope", "deeper", "x.json"))).toBeUndefined();
    writeFileSync(path.join(paths.runs, "plain"), "");
    expect(findPathEscape(paths.root, path.join(paths.runs, "plain", "x.json"))).toBeUndefined();
  });
});
