import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { demoWorkspace, enqueueTask, type TestWorkspace } from "../fixtures.js";
import { crashScript, documentLocations, type KillPlan, killableLife, prng, taskId } from "./harness.js";

/*
 * Usage governance's counted-once promise under kill -9 (issue 12): a governed daemon in a child
 * process runs a scripted task list whose stages report token usage, while this test SIGKILLs it
 * at random moments (during startup, mid-stage, between a result being written and applied) and
 * starts it again, 50 times, then lets it finish. The ledger must then hold exactly one entry per
 * token-bearing stage result on disk, and its totals must equal the sum of those results, exactly.
 */

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "ledger-child.mjs");
const KILLS = 50;
const TASKS = 12;
/** Builder, checker and updater per task (no fix cycles in this script). */
const STAGES = TASKS * 3;
/**
 * Past this, no more kills: the run is let finish. Each life pays a Node start (about 0.5 s idle,
 * 2 s on a loaded machine), so on a loaded machine fewer than 50 kills fit; the test then says so
 * and checks the ledger over the kills it made, rather than running for minutes.
 */
const KILL_BUDGET_MS = 75_000;

interface Life {
  signal: NodeJS.Signals | null;
  code: number | null;
  stages: number;
  stderr: string;
  stdout: string;
}

/** One daemon life, killed (whole process group) `ms` after spawn, or after `runtime_started`. */
async function live(ws: TestWorkspace, kill: KillPlan | null): Promise<Life> {
  const exit = await killableLife(CHILD, ws.root, kill);
  return {
    code: exit.code,
    signal: exit.signal,
    stages: exit.stagesCompleted,
    stderr: exit.stderr.slice(-800),
    stdout: exit.stdout.slice(-300),
  };
}

/** Every token-bearing stage result on disk: workspace-relative path → total tokens. */
function resultsOnDisk(ws: TestWorkspace): Map<string, number> {
  const totals = new Map<string, number>();
  const runs = path.join(ws.paths.runtimeRoot, "runs");
  for (const run of readdirSync(runs)) {
    const dir = path.join(runs, run, "stage_results");
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
      const file = path.join(dir, name);
      const envelope = JSON.parse(readFileSync(file, "utf8")) as {
        token_usage?: { total_tokens: number } | null;
      };
      if (envelope.token_usage) totals.set(path.relative(ws.root, file), envelope.token_usage.total_tokens);
    }
  }
  return totals;
}

function ledger(ws: TestWorkspace): Array<{ dedupe_key: string; token_usage: { total_tokens: number } }> {
  return readFileSync(ws.paths.usageGovernanceLedger, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}

describe("usage ledger under kill -9", () => {
  it(`counts each stage's usage exactly once across ${KILLS} SIGKILLs`, { timeout: 150_000 }, async () => {
    const seed = Number.parseInt(
      process.env.MILLRACE_CRASH_SEED ?? String(Math.floor(Math.random() * 2 ** 31)),
      10,
    );
    const random = prng(seed);
    const ws = demoWorkspace(
      crashScript([]),
      '\n[usage_governance]\nenabled = true\n\n[[usage_governance.runtime_token_rules.rules]]\nrule_id = "never"\nwindow = "rolling_5h"\nthreshold = 1000000000\n',
    );
    const tasks = Array.from({ length: TASKS }, (_, index) => taskId(index));
    for (const id of tasks) enqueueTask(ws, id);

    const began = performance.now();
    let kills = 0;
    let stagesSeen = 0;
    let window = 40;
    let lives = 0;
    let budgetRanOut = false;
    const why = (life?: Life) =>
      `seed ${seed} (MILLRACE_CRASH_SEED), workspace ${ws.root}, ${kills} kills, ${lives} lives${life ? `\nlast life: exit ${life.code}/${life.signal}\n  stderr: ${life.stderr}\n  stdout: ${life.stdout}` : ""}`;
    for (;;) {
      lives += 1;
      if (lives > KILLS * 3 + 20) throw new Error(`the run did not finish; ${why()}`);
      const inBudget = performance.now() - began < KILL_BUDGET_MS;
      if (!inBudget && kills < KILLS) budgetRanOut = true;
      const killing = kills < KILLS && inBudget;
      const kill = killing
        ? random() < 0.15
          ? { ms: Math.round(random() * 400), afterStart: false }
          : { ms: Math.round(random() * window), afterStart: true }
        : null;
      const life = await live(ws, kill);
      stagesSeen += life.stages;
      if (life.signal === "SIGKILL") {
        kills += 1;
        const locations = documentLocations(ws.paths);
        const lost = tasks.filter((id) => !locations.has(id));
        if (lost.length > 0) throw new Error(`tasks lost after a kill: ${lost.join(", ")}; ${why(life)}`);
        // Keep progress behind the kill count so the kills spread over the whole run.
        window =
          stagesSeen / STAGES > (kills / KILLS) * 0.8
            ? Math.max(2, window * 0.5)
            : Math.min(120, window * 1.3);
        continue;
      }
      if (
        life.code !== 0 &&
        existsSync(`${ws.paths.lockFile}.takeover`) &&
        life.stderr.includes("stale ownership lock")
      ) {
        // The known empty-takeover-guard wedge of the lock (see crash-points.test.ts): clear it, as its hint says.
        rmSync(`${ws.paths.lockFile}.takeover`, { force: true });
        continue;
      }
      if (life.code !== 0) throw new Error(`the daemon failed on its own; ${why(life)}`);
      if (!life.stdout.includes('"stopReason":"idle"'))
        throw new Error(`the daemon stopped short of idle; ${why(life)}`);
      break;
    }
    console.info(
      `[ledger kill test] seed=${seed} kills=${kills}${budgetRanOut ? ` (the ${KILL_BUDGET_MS} ms kill budget ran out)` : ""} lives=${lives} stage completions seen ${stagesSeen}`,
    );

    const onDisk = resultsOnDisk(ws);
    const entries = ledger(ws);
    const keys = entries.map((entry) => entry.dedupe_key);
    expect(new Set(keys).size, `a result counted twice; ${why()}`).toBe(keys.length);
    expect([...keys].sort(), `ledger keys against results on disk; ${why()}`).toEqual(
      [...onDisk.keys()].sort(),
    );
    const ledgerTotal = entries.reduce((sum, entry) => sum + entry.token_usage.total_tokens, 0);
    const diskTotal = [...onDisk.values()].reduce((sum, total) => sum + total, 0);
    expect(ledgerTotal).toBe(diskTotal);
    for (const entry of entries) expect(entry.token_usage.total_tokens).toBe(onDisk.get(entry.dedupe_key));
    expect(onDisk.size).toBeGreaterThanOrEqual(STAGES);
    // Fewer kills only when the wall-time budget ran out (a loaded machine), never because the run ended early.
    if (!budgetRanOut) expect(kills, `the run finished before every kill landed; ${why()}`).toBe(KILLS);
    expect(kills, `no kill landed; ${why()}`).toBeGreaterThan(0);
    expect(tasks.every((id) => documentLocations(ws.paths).get(id)?.includes("task/done"))).toBe(true);
  });
});
