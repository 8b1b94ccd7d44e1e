// Queue scale: enqueue 10,000 tasks, claim-next over 10,000 and 100,000 queued, and a cold
// `millrace queue ls --json` on 10,000 (DESIGN.md budget: at most 1.8× `node -e 0`). Figures include fsync.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { openQueueStore, renderWorkDocument } from "@millrace/queue-store";
import { initDirectories, workspacePaths } from "@millrace/workspace";
import { median, paired, report, spawnMs } from "../lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, "..", "..", "apps", "cli", "dist", "bin.cjs");
const SMALL = 10_000;
const LARGE = 100_000;
const CLAIMS = 200;

function taskDoc(i) {
  const id = `task-${String(i).padStart(6, "0")}`;
  return {
    kind: "task",
    task_id: id,
    title: `Benchmark task ${i}`,
    spec_id: `spec-${i % 50}`,
    target_paths: ["src/"],
    acceptance: ["passes"],
    required_checks: ["npm test"],
    references: ["bench"],
    risk: ["low"],
    depends_on: i % 10 === 0 && i > 0 ? [`task-${String(i - 1).padStart(6, "0")}`] : [],
    created_at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace(".000Z", "Z"),
    created_by: "bench",
  };
}

function workspace(viaCli) {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-bench-queue-"));
  if (viaCli) {
    const init = spawnSync(process.execPath, [CLI, "init", root], { encoding: "utf8" });
    if (init.status !== 0) throw new Error(`millrace init failed: ${init.stderr}`);
  } else {
    for (const dir of initDirectories(workspacePaths(root))) mkdirSync(dir, { recursive: true });
  }
  return workspacePaths(root);
}

function claimRounds(store, rounds) {
  const times = [];
  for (let i = 0; i < rounds; i += 1) {
    const started = performance.now();
    const item = store.claimNext("execution");
    times.push(performance.now() - started);
    if (!item) break;
    store.complete(item.kind, item.id);
  }
  return times;
}

// 1. enqueue 10,000 (each: uniqueness check over 20 folders, render, exclusive atomic create + fsync)
const small = workspace(true);
{
  const store = openQueueStore(small);
  const started = performance.now();
  for (let i = 0; i < SMALL; i += 1) store.enqueue("task", taskDoc(i));
  report(`enqueue ${SMALL} tasks`, performance.now() - started, SMALL);
  const flushStart = performance.now();
  store.flush();
  report("save queue index (10,000 entries)", performance.now() - flushStart);
  // 2. claim-next over 10,000 queued (warm store; each claim renames into active, then completes)
  const times = claimRounds(store, CLAIMS);
  report(`claim-next over ${SMALL} queued (median of ${times.length})`, median(times));
  store.flush();
}

// 3. `queue ls --json` cold start on 10,000: a fresh process, index on disk. The default answer is a
// page (100 items of each folder); `--all` prints every item, 3 MB here, and `node` printing those
// same bytes from a file shows what the output alone costs through the bench's pipe.
{
  const everyItem = path.join(small.root, "queue-ls-all.json");
  writeFileSync(everyItem, `${JSON.stringify(openQueueStore(small).listing(), null, 2)}\n`);
  const printBytes = `process.stdout.write(require("node:fs").readFileSync(${JSON.stringify(everyItem)}, "utf8"))`;
  const [floor, ls, all, bytes] = await paired(
    [
      { label: "node -e 0", run: () => spawnMs(["-e", "0"]) },
      { label: "queue ls --json", run: () => spawnMs([CLI, "-w", small.root, "queue", "ls", "--json"]) },
      {
        label: "queue ls --json --all",
        run: () => spawnMs([CLI, "-w", small.root, "queue", "ls", "--json", "--all"]),
      },
      { label: "node printing the same bytes", run: () => spawnMs(["-e", printBytes]) },
    ],
    { rounds: 9 },
  );
  report(`queue ls --json cold start on ${SMALL} (median of 9, budget 1.8× node)`, ls.median, undefined, {
    floor: floor.median,
  });
  report(`queue ls --json --all cold start on ${SMALL} (every item, no budget)`, all.median, undefined, {
    floor: floor.median,
  });
  report("  node printing the --all answer's bytes from a file", bytes.median, undefined, {
    floor: floor.median,
  });
  const started = performance.now();
  const listing = openQueueStore(small).listing();
  report(`  in-process cold listing (${listing.items.length} items)`, performance.now() - started);
}

// 4. claim-next over 100,000 queued: files written in bulk, index built once, then warm claims
const large = workspace(false);
{
  const dir = large.queues.task.queue;
  const bulkStart = performance.now();
  for (let i = 0; i < LARGE; i += 1) {
    const doc = taskDoc(i);
    writeFileSync(path.join(dir, `${doc.task_id}.md`), renderWorkDocument(doc));
  }
  report(`write ${LARGE} task files directly (setup, no fsync)`, performance.now() - bulkStart, LARGE);
  const store = openQueueStore(large);
  const coldStart = performance.now();
  store.claimNext("execution");
  report(`first claim-next: build cache from ${LARGE} files`, performance.now() - coldStart, LARGE);
  const saveStart = performance.now();
  store.flush();
  report(`save queue index (${LARGE} entries)`, performance.now() - saveStart);
  store.complete("task", "task-000000");
  const times = claimRounds(store, CLAIMS);
  report(`claim-next over ${LARGE} queued (median of ${times.length})`, median(times));
  const reopen = performance.now();
  const again = openQueueStore(large);
  again.depths();
  report(`reopen from index + depths over ${LARGE}`, performance.now() - reopen);
  const claimAfterReopen = performance.now();
  again.claimNext("execution");
  report("  then first claim-next", performance.now() - claimAfterReopen);
}

rmSync(small.root, { recursive: true, force: true });
rmSync(large.root, { recursive: true, force: true });
