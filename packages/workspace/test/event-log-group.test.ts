import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appendEventLinesUnsynced, readEventLogTail, syncEventLog } from "../src/index.js";
import { tempDir } from "./helpers.js";

function logFile(): string {
  return path.join(tempDir(), "millrace-agents", "logs", "runtime_events.jsonl");
}

describe("event log helpers of a group-commit writer", () => {
  it("appends pre-rendered lines (creating the folder) and reads them back from the tail", () => {
    const file = logFile();
    appendEventLinesUnsynced(file, "a\nb\n");
    appendEventLinesUnsynced(file, "");
    appendEventLinesUnsynced(file, "c\n");
    expect(readFileSync(file, "utf8")).toBe("a\nb\nc\n");
    expect(readEventLogTail(file, 4)).toBe("b\nc\n");
    expect(readEventLogTail(file, 1000)).toBe("a\nb\nc\n");
  });

  it("reaches back into the newest rotated segment when the live file is shorter than asked", () => {
    const file = logFile();
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(path.join(path.dirname(file), "runtime_events.1.jsonl"), "old-1\nold-2\n");
    writeFileSync(file, "live\n");
    expect(readEventLogTail(file, 11)).toBe("old-2\nlive\n");
    expect(readEventLogTail(file, 100)).toBe("old-1\nold-2\nlive\n");
  });

  it("a missing log has an empty tail, and syncing it is a no-op", () => {
    const file = logFile();
    expect(readEventLogTail(file, 100)).toBe("");
    expect(() => syncEventLog(file)).not.toThrow();
    appendEventLinesUnsynced(file, "x\n");
    expect(() => syncEventLog(file)).not.toThrow();
  });

  it("refuses a log linked out of the workspace, like every runtime write", () => {
    const root = tempDir();
    const outside = tempDir();
    const logs = path.join(root, "millrace-agents");
    mkdirSync(logs, { recursive: true });
    symlinkSync(outside, path.join(logs, "logs"));
    expect(() => appendEventLinesUnsynced(path.join(logs, "logs", "runtime_events.jsonl"), "x\n")).toThrow(
      /workspace/,
    );
  });
});
