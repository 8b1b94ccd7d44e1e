import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  cleanTempLitter,
  initWorkspace,
  TEMP_FILE_PATTERN,
  workspacePaths,
  writeFileAtomicSync,
} from "../src/index.js";
import { distEntry, fakeAssets, tempDir } from "./helpers.js";

describe("atomic write under kill -9", () => {
  it("a writer killed before the rename leaves the old content and a temp file that cleanTempLitter removes", () => {
    const root = tempDir();
    const report = initWorkspace(root, { assetsRoot: fakeAssets() });
    const target = path.join(report.runtime_root, "state", "runtime_snapshot.json");
    const old = readFileSync(target, "utf8");
    const script = `
      import { writeFileAtomicSync } from ${JSON.stringify(distEntry)};
      writeFileAtomicSync(process.argv[1], "NEW CONTENT", {
        beforeRename: () => process.kill(process.pid, "SIGKILL"),
      });
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script, target]);
    expect(child.signal).toBe("SIGKILL");
    expect(readFileSync(target, "utf8")).toBe(old);
    const litter = readdirSync(path.dirname(target)).filter((name) => TEMP_FILE_PATTERN.test(name));
    expect(litter).toHaveLength(1);
    expect(readFileSync(path.join(path.dirname(target), litter[0] ?? ""), "utf8")).toBe("NEW CONTENT");

    const removed = cleanTempLitter(workspacePaths(root));
    expect(removed).toEqual([path.join(path.dirname(target), litter[0] ?? "")]);
    expect(readdirSync(path.dirname(target)).some((name) => TEMP_FILE_PATTERN.test(name))).toBe(false);
    expect(readFileSync(target, "utf8")).toBe(old);
  });

  it("the startup clean also covers the stage process records' folder (their writes are atomic too)", () => {
    const root = tempDir();
    initWorkspace(root, { assetsRoot: fakeAssets() });
    const paths = workspacePaths(root);
    const records = path.join(paths.state, "stage_processes");
    mkdirSync(records, { recursive: true });
    const litter = path.join(records, ".stage-x.json.tmp-0123456789abcdef");
    writeFileSync(litter, "{");
    writeFileSync(path.join(records, "stage-x.json"), "{}");
    expect(cleanTempLitter(paths)).toEqual([litter]);
    expect(readdirSync(records)).toEqual(["stage-x.json"]);
  });

  it("the hook-free default path writes and leaves no litter; failures remove the temp file", () => {
    const dir = tempDir();
    const target = path.join(dir, "x.json");
    writeFileSync(target, "old");
    writeFileAtomicSync(target, "new");
    expect(readFileSync(target, "utf8")).toBe("new");
    expect(() =>
      writeFileAtomicSync(target, "boom", {
        beforeRename: () => {
          throw new Error("boom");
        },
      }),
    ).toThrow("boom");
    expect(readFileSync(target, "utf8")).toBe("new");
    expect(readdirSync(dir)).toEqual(["x.json"]);
    expect(existsSync(target)).toBe(true);
  });
});
