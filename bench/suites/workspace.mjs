// Workspace layer figures: init of a fresh workspace, config load, lock acquire/release, event
// appends, and tailing a large event log (which must not read the whole file).
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  acquireLock,
  appendRuntimeEvent,
  formatRuntimeEventLine,
  initWorkspace,
  loadConfig,
  runDoctor,
  tailEvents,
  workspacePaths,
} from "@millrace/workspace";
import { median, report, time } from "../lib.mjs";

const base = mkdtempSync(path.join(os.tmpdir(), "millrace-bench-ws-"));

const inits = [];
for (let i = 0; i < 5; i++) inits.push((await time(() => initWorkspace(path.join(base, `ws-${i}`)))).ms);
report("initWorkspace (fresh, full baseline), median of 5", median(inits));

const paths = workspacePaths(path.join(base, "ws-0"));
const loads = await time(() => {
  for (let i = 0; i < 200; i++) loadConfig(paths);
});
report("loadConfig (seeded template)", loads.ms, 200);

const doctor = await time(() => runDoctor(paths));
report("runDoctor (fresh workspace)", doctor.ms);

const locks = await time(() => {
  for (let i = 0; i < 200; i++) acquireLock(paths).release();
});
report("acquireLock + release", locks.ms, 200);

const appends = await time(() => {
  for (let i = 0; i < 500; i++)
    appendRuntimeEvent(paths.runtimeEvents, { event_type: "runtime_tick_idle", data: { i } });
});
report("appendRuntimeEvent (fsync each)", appends.ms, 500);

const big = path.join(base, "big.jsonl");
const line = formatRuntimeEventLine({ event_type: "stage_completed", data: { pad: "x".repeat(180) } });
writeFileSync(big, line.repeat(200_000));
let bytes = 0;
const tail = await time(() => tailEvents(big, 50, { onRead: (n) => (bytes += n) }));
report(`tailEvents(50) on ${(statSync(big).size / 1e6).toFixed(0)} MB log`, tail.ms);
console.log(`  bytes read: ${bytes}`);
