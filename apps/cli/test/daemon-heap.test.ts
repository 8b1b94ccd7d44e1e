import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DAEMON_HEAP_FLAG, DAEMON_TIERING_FLAG, leanDaemonHeap } from "../src/daemon-heap.js";

/** Young-generation size (MiB) of a fresh node after an allocation burst, with `flag` set at run time. */
function newSpaceAfterBurst(flag: string | null): number {
  const code = `
    const v8 = require("node:v8");
    if (process.argv[1]) v8.setFlagsFromString(process.argv[1]);
    let keep = [];
    for (let i = 0; i < 2e6; i++) { keep.push({ i, s: "x" + i }); if (keep.length > 1000) keep = []; }
    const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
    console.log(space.space_size / 1048576);`;
  const run = spawnSync(process.execPath, ["-e", code, "--", flag ?? ""], { encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  return Number.parseFloat(run.stdout);
}

/**
 * How many functions a fresh node marks for optimization (`--trace-opt`) after calling ten mid-sized
 * functions `calls` times each, with `flag` set at run time.
 */
function functionsOptimized(flag: string | null, calls: number): number {
  const code = `
    const v8 = require("node:v8");
    if (process.argv[1]) v8.setFlagsFromString(process.argv[1]);
    const body = Array.from({ length: 40 }, (_, i) => "s = (s * " + (i + 3) + " + x.a + x.b[" + (i % 3) + "]) | 0;").join("\\n");
    const fns = Array.from({ length: 10 }, (_, k) => new Function("x", "let s = " + k + ";\\n" + body + "\\nreturn s;"));
    let t = 0;
    for (let r = 0; r < Number(process.argv[2]); r++) for (const f of fns) t ^= f({ a: r, b: [r, 1, 2] });
    console.log("result " + t);`;
  const run = spawnSync(process.execPath, ["--trace-opt", "-e", code, "--", flag ?? "", String(calls)], {
    encoding: "utf8",
  });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/result -?\d+/);
  return run.stdout
    .split("\n")
    .filter((line) => line.startsWith("[marking") && line.includes("hot and stable")).length;
}

describe("the daemon's heap settings", () => {
  it("an operator's own young-generation setting wins over ours", () => {
    expect(leanDaemonHeap(["--max-semi-space-size=8"], "")).toEqual([DAEMON_TIERING_FLAG]);
    expect(leanDaemonHeap([], "--max-old-space-size=512 --max_semi_space_size=4")).toEqual([
      DAEMON_TIERING_FLAG,
    ]);
  });

  it("an operator's own tiering setting wins over ours", () => {
    expect(leanDaemonHeap(["--interrupt-budget=100000"], "")).toEqual([DAEMON_HEAP_FLAG]);
    expect(leanDaemonHeap([], "--no-opt")).toEqual([DAEMON_HEAP_FLAG]);
    expect(leanDaemonHeap(["--max-opt=2"], "--max-semi-space-size=4")).toEqual([]);
    expect(leanDaemonHeap(["--jitless"], "")).toEqual([DAEMON_HEAP_FLAG]);
  });

  it("otherwise both flags are applied", () => {
    expect(leanDaemonHeap([], "")).toEqual([DAEMON_HEAP_FLAG, DAEMON_TIERING_FLAG]);
    // Unrelated flags that merely contain "opt" do not count as a tiering choice.
    expect(leanDaemonHeap(["--optimize-for-size"], "--max-old-space-size=512")).toEqual([
      DAEMON_HEAP_FLAG,
      DAEMON_TIERING_FLAG,
    ]);
  });

  it("the tiering flag, set at run time, leaves lukewarm code unoptimized and still optimizes hot code", () => {
    // 2,000 calls each: V8's default budget optimizes all ten functions (and the script's own loop
    // besides), the daemon's none.
    expect(functionsOptimized(null, 2_000)).toBeGreaterThanOrEqual(10);
    expect(functionsOptimized(DAEMON_TIERING_FLAG, 2_000)).toBe(0);
    // Code that keeps running (every stage of a daemon) is optimized all the same.
    expect(functionsOptimized(DAEMON_TIERING_FLAG, 40_000)).toBeGreaterThanOrEqual(10);
  });

  it("the flag keeps the young generation at its initial size on this Node", () => {
    const grown = newSpaceAfterBurst(null);
    const lean = newSpaceAfterBurst(DAEMON_HEAP_FLAG);
    expect(lean).toBeLessThanOrEqual(4);
    expect(grown).toBeGreaterThan(lean);
  });
});
