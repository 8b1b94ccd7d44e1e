import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import {
  describeReadProblem,
  READ_LIMITS,
  readRegularFile,
  readRegularFileOrThrow,
} from "../src/safe-read.js";
import { distEntry, tempDir } from "./helpers.js";

describe("readRegularFile", () => {
  it("returns every byte of empty, small, chunk-sized and large files, with the file's fstat", () => {
    const dir = tempDir();
    for (const size of [0, 1, 4095, 65_536, 65_537, 300_001]) {
      const file = path.join(dir, `f-${size}.bin`);
      const content = randomBytes(size);
      writeFileSync(file, content);
      const read = readRegularFile(file, { maxBytes: 1024 * 1024, utf8: false });
      if (read.kind !== "ok") throw new Error(`expected ok for ${size}, got ${read.kind}`);
      expect(Buffer.compare(read.bytes, content)).toBe(0);
      expect(read.size).toBe(size);
      expect(read.stat.size).toBe(size);
    }
    const big = path.join(dir, "big.bin");
    writeFileSync(big, randomBytes(70_000));
    expect(readRegularFile(big, { maxBytes: 69_999, utf8: false })).toMatchObject({ kind: "too_large" });
  });

  it("reads a regular UTF-8 file", () => {
    const file = path.join(tempDir(), "a.md");
    writeFileSync(file, "# Title\n\nbody\ttab\r\n");
    const read = readRegularFile(file, { maxBytes: 1024, plainText: true });
    expect(read).toMatchObject({ kind: "ok", text: "# Title\n\nbody\ttab\r\n", size: 19 });
  });

  it("classifies a missing file, a symlink, a folder and a device", () => {
    const dir = tempDir();
    const link = path.join(dir, "zero.md");
    symlinkSync("/dev/zero", link);
    const inside = path.join(dir, "inside.md");
    writeFileSync(path.join(dir, "real.md"), "x");
    symlinkSync(path.join(dir, "real.md"), inside);
    mkdirSync(path.join(dir, "adir.json"));
    const opts = { maxBytes: 1024 };
    expect(readRegularFile(path.join(dir, "nope.md"), opts)).toEqual({ kind: "missing" });
    expect(readRegularFile(link, opts)).toEqual({ kind: "symlink" });
    expect(readRegularFile(inside, opts)).toEqual({ kind: "symlink" });
    expect(readRegularFile(path.join(dir, "adir.json"), opts)).toEqual({
      kind: "not_regular",
      fileType: "directory",
    });
    // An operator-named path may be a link, but it must still end at a regular file.
    expect(readRegularFile(link, { ...opts, followLinks: true })).toEqual({
      kind: "not_regular",
      fileType: "character device",
    });
    expect(readRegularFile("/dev/zero", opts)).toEqual({ kind: "not_regular", fileType: "character device" });
    expect(readRegularFile(inside, { ...opts, followLinks: true })).toMatchObject({ kind: "ok", text: "x" });
  });

  it("a FIFO is refused at once, without waiting for a writer (child process, with a timeout guard)", () => {
    const dir = tempDir();
    const fifo = path.join(dir, "p.json");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const script = `
      import { readRegularFile } from ${JSON.stringify(distEntry)};
      process.stdout.write(JSON.stringify(readRegularFile(process.argv[1], { maxBytes: 1024 })));
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script, fifo], {
      timeout: 10_000,
      encoding: "utf8",
    });
    expect(child.signal).toBeNull();
    expect(JSON.parse(child.stdout)).toEqual({ kind: "not_regular", fileType: "FIFO" });
  });

  it("refuses a file over the cap without reading it: a 200 MB sparse file", () => {
    const file = path.join(tempDir(), "millrace_result.json");
    writeFileSync(file, "");
    truncateSync(file, 200 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    const read = readRegularFile(file, { maxBytes: READ_LIMITS.result });
    expect(read).toEqual({ kind: "too_large", size: 200 * 1024 * 1024, limit: READ_LIMITS.result });
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * 1024 * 1024);
  });

  it("refuses invalid UTF-8 and control characters in plain text", () => {
    const dir = tempDir();
    const random = path.join(dir, "random.md");
    writeFileSync(random, randomBytes(5 * 1024 * 1024));
    expect(readRegularFile(random, { maxBytes: READ_LIMITS.idea, plainText: true })).toMatchObject({
      kind: "too_large",
    });
    const small = path.join(dir, "small.md");
    writeFileSync(small, Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x41]));
    expect(readRegularFile(small, { maxBytes: 1024, plainText: true })).toEqual({ kind: "invalid_utf8" });
    const esc = path.join(dir, "esc.md");
    writeFileSync(esc, "# Evil \u001b[2J title\n");
    expect(readRegularFile(esc, { maxBytes: 1024, plainText: true })).toEqual({
      kind: "control_chars",
      char: "U+001B",
      index: 7,
    });
    const nul = path.join(dir, "nul.md");
    writeFileSync(nul, "# a\u0000b\n");
    expect(readRegularFile(nul, { maxBytes: 1024, plainText: true })).toMatchObject({ char: "U+0000" });
    // Without plainText, control characters pass (JSON files escape their own).
    expect(readRegularFile(esc, { maxBytes: 1024 })).toMatchObject({ kind: "ok" });
    // Without utf8, bytes come back untouched.
    expect(readRegularFile(small, { maxBytes: 1024, utf8: false })).toMatchObject({ kind: "ok", size: 5 });
  });

  it("readRegularFileOrThrow names the file and the reason in a workspace_file_rejected error", () => {
    let caught: unknown;
    try {
      readRegularFileOrThrow("/dev/zero", { maxBytes: 10, followLinks: true }, "Pass a text file.");
    } catch (error) {
      caught = error;
    }
    expect(MillraceError.isInstance(caught)).toBe(true);
    const error = caught as MillraceError;
    expect(error.code).toBe("workspace_file_rejected");
    expect(error.message).toBe("/dev/zero is not a regular file (character device)");
    expect(error.hint).toBe("Pass a text file.");
    expect(describeReadProblem({ kind: "too_large", size: 11, limit: 10 })).toBe(
      "is 11 bytes; the limit is 10 bytes",
    );
  });
});
