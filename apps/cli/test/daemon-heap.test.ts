import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DAEMON_HEAP_FLAG, leanDaemonHeap } from "../src/daemon-heap.js";

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

describe("the daemon's heap settings", () => {
  it("an operator's own young-generation setting wins over ours", () => {
    expect(leanDaemonHeap(["--max-semi-space-size=8"], "")).toBe(false);
    expect(leanDaemonHeap([], "--max-old-space-size=512 --max_semi_space_size=4")).toBe(false);
  });

  it("otherwise the flag is applied", () => {
    expect(leanDaemonHeap([], "")).toBe(true);
  });

  it("the flag keeps the young generation at its initial size on this Node", () => {
    const grown = newSpaceAfterBurst(null);
    const lean = newSpaceAfterBurst(DAEMON_HEAP_FLAG);
    expect(lean).toBeLessThanOrEqual(4);
    expect(grown).toBeGreaterThan(lean);
  });
});
