import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isLiveWritersTemp, removeTempLitter, TEMP_FILE_PATTERN, writeFileAtomicSync } from "../src/index.js";
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

describe("temp litter and live writers", () => {
  /** A child that writes `target` atomically and stops just before the rename until told to go on. */
  function pausedWriter(target: string) {
    const script = `
      import { readSync } from "node:fs";
      import { writeFileAtomicSync } from ${JSON.stringify(distEntry)};
      writeFileAtomicSync(process.argv[1], "written by the child\\n", {
        beforeRename: (t) => {
          process.stdout.write(t + "\\n");
          readSync(0, Buffer.alloc(1));
        },
      });
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, target], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const temp = new Promise<string>((resolve) => {
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += chunk;
        if (out.includes("\n")) resolve(out.trim());
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, temp, exited };
  }

  it("leaves the temp file of a live writer in another process, which then completes its write", async () => {
    const dir = tempDir();
    const target = path.join(dir, "task.md");
    const writer = pausedWriter(target);
    const temp = await writer.temp;
    expect(TEMP_FILE_PATTERN.test(path.basename(temp))).toBe(true);
    expect(isLiveWritersTemp(path.basename(temp))).toBe(true);
    expect(removeTempLitter([dir])).toEqual([]);
    expect(existsSync(temp)).toBe(true);
    writer.child.stdin.end("go");
    expect(await writer.exited).toBe(0);
    expect(readFileSync(target, "utf8")).toBe("written by the child\n");
    expect(readdirSync(dir)).toEqual(["task.md"]);
  });

  it("removes the temp file of a writer killed mid-write, and this process's own", async () => {
    const dir = tempDir();
    const writer = pausedWriter(path.join(dir, "task.md"));
    const temp = await writer.temp;
    writer.child.kill("SIGKILL");
    await writer.exited;
    const own = path.join(dir, path.basename(tempNameOf(path.join(dir, "x.json"))));
    writeFileSync(own, "left by this process");
    const older = path.join(dir, ".queue_index.json.tmp-0123456789abcdef");
    writeFileSync(older, "an older build's random name");
    expect(removeTempLitter([dir]).sort()).toEqual([older, temp, own].sort());
    expect(readdirSync(dir)).toEqual(["x.json"]);
  });
});
