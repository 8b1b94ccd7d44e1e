import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  countScriptAttempt,
  nextScriptSeq,
  readScriptState,
  SCRIPT_ATTEMPT_KEYS_LIMIT,
  scriptStatePath,
} from "../src/scripted/state.js";

function stateFile(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-scripted-state-"));
  const file = scriptStatePath(root);
  mkdirSync(path.dirname(file), { recursive: true });
  return file;
}

describe("scripted runner state: bounded by recent (stage, item) pairs, not by history", () => {
  it("keeps at most its bound of counters however many pairs ran; the file stops growing", () => {
    const file = stateFile();
    const limit = 8;
    const sizes: number[] = [];
    for (let index = 0; index < limit * 3; index += 1) {
      expect(countScriptAttempt(file, `builder|task|task-${String(index).padStart(3, "0")}`, limit)).toBe(1);
      sizes.push(readFileSync(file).length);
    }
    const keys = Object.keys(readScriptState(file).attempts);
    expect(keys).toHaveLength(limit);
    // The newest pairs are the ones kept, oldest first.
    expect(keys[0]).toBe(`builder|task|task-0${limit * 2}`);
    expect(keys.at(-1)).toBe(`builder|task|task-0${limit * 3 - 1}`);
    expect(new Set(sizes.slice(limit - 1)).size).toBe(1);
  });

  it("a pair run again moves to the newest end and keeps counting; one evicted starts at 1", () => {
    const file = stateFile();
    const limit = 4;
    expect(countScriptAttempt(file, "a|task|x", limit)).toBe(1);
    for (const key of ["b", "c", "d"]) countScriptAttempt(file, `${key}|task|x`, limit);
    expect(countScriptAttempt(file, "a|task|x", limit)).toBe(2); // refreshed: now the newest
    countScriptAttempt(file, "e|task|x", limit); // evicts b, the oldest
    expect(Object.keys(readScriptState(file).attempts)).toEqual([
      "c|task|x",
      "d|task|x",
      "a|task|x",
      "e|task|x",
    ]);
    expect(countScriptAttempt(file, "a|task|x", limit)).toBe(3);
    expect(countScriptAttempt(file, "b|task|x", limit)).toBe(1);
  });

  it("shrinks a state file saved with every pair ever run at its first stage, keeping seq", () => {
    const file = stateFile();
    const attempts = Object.fromEntries(
      Array.from({ length: SCRIPT_ATTEMPT_KEYS_LIMIT + 100 }, (_, index) => [`checker|task|t-${index}`, 2]),
    );
    writeFileSync(file, JSON.stringify({ attempts, seq: 41 }));
    expect(countScriptAttempt(file, `checker|task|t-${SCRIPT_ATTEMPT_KEYS_LIMIT + 99}`)).toBe(3);
    const state = readScriptState(file);
    expect(Object.keys(state.attempts)).toHaveLength(SCRIPT_ATTEMPT_KEYS_LIMIT);
    expect(state.seq).toBe(41);
    expect(nextScriptSeq(file)).toBe(42);
  });

  it("reads a damaged or odd-shaped file as a fresh state instead of failing the stage", () => {
    const file = stateFile();
    writeFileSync(file, "{not json");
    expect(countScriptAttempt(file, "builder|task|t")).toBe(1);
    writeFileSync(file, JSON.stringify({ attempts: ["x"], seq: "7" }));
    expect(readScriptState(file)).toEqual({ attempts: {}, seq: 0 });
    writeFileSync(file, JSON.stringify({ attempts: { "builder|task|t": "two" }, seq: 3 }));
    expect(countScriptAttempt(file, "builder|task|t")).toBe(1);
    expect(JSON.parse(readFileSync(file, "utf8")).seq).toBe(3);
  });
});
