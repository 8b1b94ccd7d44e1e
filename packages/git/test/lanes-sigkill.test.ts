import { spawn } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeRepo, sandbox } from "./helpers.js";

const distEntry = new URL("../dist/index.js", import.meta.url).href;
const ITEMS = 8;

/**
 * A small "engine": reconcile at startup, finish any recorded lane, then create, work in, land
 * (always a merge commit) and remove one lane per item. An item counts as done when its output
 * file is on the workspace branch.
 */
const WORKER = `
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { LaneWorktrees, reconcileLaneWorktrees } from ${JSON.stringify(distEntry)};
const [repo, records, home, items] = process.argv.slice(2);
const author = { name: "Worker", email: "worker@example.test" };
const afterStep = (step, id) => process.stdout.write(id + ":" + step + "\\n");
const lanes = await LaneWorktrees.open({ repoRoot: repo, recordsDir: records, home, afterStep });
await reconcileLaneWorktrees(lanes);
const finish = async (id) => {
  const result = await lanes.land(id, { author, mode: "no-ff", commitMessage: id + ": work" });
  if (result.outcome === "conflict") throw new Error("unexpected conflict");
  await lanes.remove(id);
};
for (const record of lanes.records.list()) await finish(record.item_id);
for (let i = 0; i < Number(items); i += 1) {
  const id = "t" + i;
  if (existsSync(path.join(repo, "out-" + i + ".txt"))) continue;
  const { worktree_path: wt } = await lanes.create(id);
  writeFileSync(path.join(wt, "out-" + i + ".txt"), "item " + i + "\\n");
  await finish(id);
}
`;

/**
 * Runs the worker; with `killAt`, SIGKILLs it `jitterMs` after its `steps`-th completed lane step
 * (a jitter of a few ms lands the kill inside the next git command).
 */
function runWorker(
  script: string,
  args: string[],
  killAt: { steps: number; jitterMs: number } | null,
): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let seen = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      const before = seen;
      seen += chunk.toString().split("\n").filter(Boolean).length;
      if (killAt && before < killAt.steps && seen >= killAt.steps) {
        setTimeout(() => child.kill("SIGKILL"), killAt.jitterMs);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (signal === "SIGKILL") resolve(signal);
      else if (code === 0) resolve(null);
      else reject(new Error(`worker failed (${code}): ${stderr}`));
    });
  });
}

/** Git commands a killed worker started keep running in their own process group; let them end. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
}

describe("lanes under real SIGKILLs", () => {
  it("lands every item exactly once, one merge commit each, nothing stray", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const script = path.join(box.root, "worker.mjs");
    writeFileSync(script, WORKER);
    const args = [repo, path.join(box.root, "records"), box.home, String(ITEMS)];
    let kills = 0;
    // Each run dies after 1..11 more steps (one lane's create, land and remove take 11), 0-14 ms late.
    for (let run = 0; run < 24; run += 1) {
      const killAt = { steps: (run % 11) + 1, jitterMs: (run % 3) * 7 };
      if ((await runWorker(script, args, killAt)) === "SIGKILL") kills += 1;
      await settle();
    }
    expect(await runWorker(script, args, null)).toBeNull();
    expect(kills).toBeGreaterThan(0);
    for (let i = 0; i < ITEMS; i += 1) {
      expect(box.git(repo, "log", "--format=%H", "--", `out-${i}.txt`).split("\n"), `out-${i}`).toHaveLength(
        1,
      );
    }
    expect(box.git(repo, "rev-list", "--merges", "--count", "HEAD")).toBe(String(ITEMS));
    expect(box.git(repo, "branch", "--list", "millrace/*")).toBe("");
    expect(box.git(repo, "worktree", "list", "--porcelain")).not.toContain("millrace-lanes");
    expect(box.git(repo, "status", "--porcelain")).toBe("");
    expect(readdirSync(path.join(box.root, "records"))).toEqual([]);
  }, 180_000);
});
