import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TEMP_FILE_PATTERN, writeFileAtomicSync } from "../src/index.js";
import { distEntry, tempDir } from "./helpers.js";

/** The temp path of one atomic write of `target`, taken from the rename hook. */
function tempNameOf(target: string): string {
  let seen = "";
  writeFileAtomicSync(target, "x", { durable: false, beforeRename: (temp) => (seen = path.basename(temp)) });
  return seen;
}

describe("atomic write temp names", () => {
  it("are fresh for every write of a process, and in the shape the litter cleaners remove", () => {
    const dir = tempDir();
    const target = path.join(dir, "state.json");
    const names = Array.from({ length: 200 }, () => tempNameOf(target));
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(TEMP_FILE_PATTERN.test(name), name).toBe(true);
  });

  it("differ between processes (a per-process random prefix), so a crashed writer's litter never collides", () => {
    const dir = tempDir();
    const target = path.join(dir, "state.json");
    writeFileSync(target, "old");
    const script = `
      import path from "node:path";
      import { writeFileAtomicSync } from ${JSON.stringify(distEntry)};
      writeFileAtomicSync(process.argv[1], "x", { beforeRename: (t) => console.log(path.basename(t)) });
    `;
    const run = () =>
      spawnSync(process.execPath, ["--input-type=module", "-e", script, target], {
        encoding: "utf8",
      }).stdout.trim();
    const first = run();
    const second = run();
    expect(TEMP_FILE_PATTERN.test(first)).toBe(true);
    expect(first).not.toBe(second);
  });
});
