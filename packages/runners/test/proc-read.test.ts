import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readProcBytes, readProcText } from "../src/process/proc-read.js";

describe("readProcBytes", () => {
  it("reads /proc files (reported size 0) whole, as readFileSync does", () => {
    expect(
      Buffer.compare(readProcBytes("/proc/self/environ") as Buffer, readFileSync("/proc/self/environ")),
    ).toBe(0);
    expect(readProcText(`/proc/${process.pid}/cmdline`)).toBe(
      readFileSync(`/proc/${process.pid}/cmdline`, "utf8"),
    );
  });

  it("grows past its buffer for a large file, and answers undefined for what cannot be read", () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "proc-read-")), "big");
    const content = randomBytes(200_000);
    writeFileSync(file, content);
    expect(Buffer.compare(readProcBytes(file) as Buffer, content)).toBe(0);
    expect(readProcBytes("/proc/999999999/environ")).toBeUndefined();
    expect(readProcBytes(path.dirname(file))).toBeUndefined();
  });
});
