// Child process for archive-view.test.ts (run with --expose-gc): prints the heap, in bytes, that a
// queue store's cache holds per done task, the larger of two paths: seeded from the saved index
// (a daemon's start) and built from the files themselves (no index, each file parsed).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getHeapSpaceStatistics } from "node:v8";
import { initDirectories, workspacePaths } from "@millrace/workspace";
import { openQueueStore, renderWorkDocument } from "../dist/index.js";

function workspace(doneTasks) {
  const paths = workspacePaths(mkdtempSync(path.join(os.tmpdir(), "millrace-done-heap-")));
  for (const dir of initDirectories(paths)) mkdirSync(dir, { recursive: true });
  for (let i = 0; i < doneTasks; i += 1) {
    const id = `task-done-${String(i).padStart(6, "0")}`;
    const document = {
      kind: "task",
      task_id: id,
      title: `Finished task number ${i}`,
      target_paths: ["src/"],
      acceptance: ["it works"],
      required_checks: ["npm test"],
      references: ["docs/plan.md"],
      risk: ["low"],
      depends_on: i % 2 === 0 ? [] : [`task-done-${String(i - 1).padStart(6, "0")}`],
      created_at: `2026-04-28T10:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}Z`,
      created_by: "probe",
    };
    writeFileSync(path.join(paths.queues.task.done, `${id}.md`), renderWorkDocument(document));
  }
  // One queued task, so a claim reads the done folder for its dependency.
  openQueueStore(paths).enqueue("task", {
    kind: "task",
    task_id: "task-next",
    title: "Next",
    target_paths: ["src/"],
    acceptance: ["a"],
    required_checks: ["true"],
    references: ["r"],
    risk: ["low"],
    depends_on: ["task-done-000000"],
    created_at: "2026-04-28T11:00:00Z",
    created_by: "probe",
  });
  return paths;
}

/** Stores stay open (and reachable) until the process ends, so their caches are what is measured. */
const open = [];

/** Bytes of live objects after full collections: the old and large-object spaces (code is not counted). */
function heap() {
  for (let i = 0; i < 4; i += 1) globalThis.gc();
  let used = 0;
  for (const space of getHeapSpaceStatistics())
    if (space.space_name === "old_space" || space.space_name === "large_object_space")
      used += space.space_used_size;
  return used;
}

/** Heap held by an open store that has claimed once, per done task, from `small` to `large`. */
function perTask(small, large, seeded) {
  const spaces = [workspace(small), workspace(large)];
  const held = [];
  let before = heap();
  for (const paths of spaces) {
    if (seeded)
      openQueueStore(paths).close(); // saves the index a later store seeds from
    else rmSync(path.join(paths.state, "queue_index.json"), { force: true });
    const store = openQueueStore(paths, { indexFile: seeded ? undefined : false });
    store.claimNext("execution");
    open.push(store);
    const after = heap();
    held.push(after - before);
    before = after;
  }
  for (const paths of spaces) rmSync(paths.root, { recursive: true, force: true });
  return Math.round(((held[1] ?? 0) - (held[0] ?? 0)) / (large - small));
}

perTask(100, 200, true); // warm-up: every function the measured runs call is compiled first
perTask(100, 200, false);
const seeded = perTask(500, 8500, true);
const parsed = perTask(500, 8500, false);
if (process.env.PROBE_VERBOSE) console.error({ seeded, parsed });
console.log(Math.max(seeded, parsed));
