// The crash harness's victim: one daemon life over the workspace named on the command line.
// It imports the built engine (the package's own export), runs until there is nothing left to do,
// and reports each monitor event on stdout so the parent knows how far this life got.
//
// MILLRACE_CRASH_AT makes the life kill itself (SIGKILL, no cleanup) at one precise point, for the
// deterministic crash-point tests:
//   rename:<text>[@n]         right after the n-th (default first) rename whose destination
//                             contains <text>: e.g. `/tasks/active/` (a claim), `/stage_results/`
//                             (a stage result written), `/tasks/done/` (an IDLE decision moved the
//                             document; nothing else of that step persisted)
//   before-rename:<text>[@n]  the same, right before that rename: the temp file is written whole,
//                             the target not yet replaced (e.g. `/run_trace.json`)
//   rename-re:<regex>[@n], before-rename-re:<regex>[@n]
//                             the same two, for destinations matching a regular expression
//   open:<text>               right after an exclusive create (`wx`) of a path containing <text>,
//                             before anything is written into it (e.g. `.takeover`, the lock guard)
//   events_unflushed:<stage>  the step that applied <stage>'s result saved the snapshot; its events
//                             (stage_completed, router_decision) are about to be appended
// MILLRACE_CRASH_LOG_RENAMES=<file> appends each rename's destination to <file>, one a line.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { createEngine } from "@millrace/scheduler";

const workspace = process.argv[2];
if (!workspace) {
  process.stderr.write("usage: daemon-child.mjs <workspace>\n");
  process.exit(2);
}

const crashAt = process.env.MILLRACE_CRASH_AT ?? "";
const die = () => process.kill(process.pid, "SIGKILL");

if (crashAt.startsWith("events_unflushed:")) {
  // The event log is appended with openSync(file, "a") + writeSync; intercept that write.
  const stage = crashAt.slice("events_unflushed:".length);
  const eventFds = new Set();
  const openSync = fs.openSync;
  const writeSync = fs.writeSync;
  fs.openSync = (file, flags, ...rest) => {
    const fd = openSync(file, flags, ...rest);
    if (typeof file === "string" && file.endsWith("runtime_events.jsonl") && flags === "a") eventFds.add(fd);
    return fd;
  };
  fs.writeSync = (fd, buffer, ...rest) => {
    if (eventFds.has(fd)) {
      const text = Buffer.isBuffer(buffer) ? buffer.toString("utf8") : String(buffer);
      if (text.includes('"event_type":"stage_completed"') && text.includes(`"stage":"${stage}"`)) die();
    }
    return writeSync(fd, buffer, ...rest);
  };
  fs.closeSync = ((closeSync) => (fd) => {
    eventFds.delete(fd);
    return closeSync(fd);
  })(fs.closeSync);
  syncBuiltinESMExports();
}

const renamePoint = /^(before-)?rename(-re)?:(.*?)(?:@(\d+))?$/.exec(crashAt);
if (renamePoint) {
  const [, before, isPattern, text, nth = "1"] = renamePoint;
  const matches = isPattern ? (file) => new RegExp(text).test(file) : (file) => file.includes(text);
  let remaining = Number.parseInt(nth, 10);
  const renameSync = fs.renameSync;
  fs.renameSync = (source, destination) => {
    const hit = matches(String(destination)) && --remaining === 0;
    if (hit && before) die();
    renameSync(source, destination);
    if (hit) die();
  };
  syncBuiltinESMExports();
}

if (process.env.MILLRACE_CRASH_LOG_RENAMES) {
  // Lists every rename's destination (one line each, appended to the named file), so a test can
  // choose its crash points from what a run really writes.
  const log = process.env.MILLRACE_CRASH_LOG_RENAMES;
  const renameSync = fs.renameSync;
  fs.renameSync = (source, destination) => {
    renameSync(source, destination);
    fs.appendFileSync(log, `${String(destination)}\n`);
  };
  syncBuiltinESMExports();
}

if (crashAt.startsWith("open:")) {
  const text = crashAt.slice("open:".length);
  const openSync = fs.openSync;
  fs.openSync = (file, flags, ...rest) => {
    const fd = openSync(file, flags, ...rest);
    if (flags === "wx" && String(file).includes(text)) die();
    return fd;
  };
  syncBuiltinESMExports();
}

const engine = createEngine({
  workspace,
  monitor: (event) => {
    process.stdout.write(`${event.type}${"stage" in event ? ` ${event.stage}` : ""}\n`);
  },
});
const report = await engine.runDaemon({ untilIdle: true });
await engine.close();
process.stdout.write(`DONE ${JSON.stringify(report)}\n`);
