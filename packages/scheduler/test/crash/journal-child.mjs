// The journal crash tests' victim: installs one kill point of the group commit, then runs the same
// daemon life as daemon-child.mjs (imported after the hook is in place).
//
// MILLRACE_JOURNAL_CRASH_AT:
//   append@n     right after the n-th journal record is written (before its fsync and before any
//                derived file: snapshot, counters, event lines, stage result copy, run trace)
//   fsync@n      right after the n-th journal fsync (the handoff is durable; no derived file yet)
//   events@n     right after the event lines of the n-th record reached the log (snapshot not yet)
//   checkpoint   inside the first background checkpoint: files fsync'd, the retired generation
//                not yet emptied
//   recovery     during startup recovery, right after its first rewrite of a stale file (before the
//                engine opens its journal)
//   shown:<stage> right after the monitor showed <stage>'s `stage_started` (a start shown before its
//                record's fsync, which comes with the stage's result)
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const point = process.env.MILLRACE_JOURNAL_CRASH_AT ?? "";
const [name, nth = "1"] = point.split("@");
let remaining = Number.parseInt(nth, 10);
const die = () => process.kill(process.pid, "SIGKILL");
const journalFds = new Set();
const logFds = new Set();
let lastWasJournal = false;
let journalOpened = false;

const { openSync, writeSync, fdatasyncSync, closeSync, renameSync, ftruncateSync } = fs;
fs.openSync = (file, flags, ...rest) => {
  const fd = openSync(file, flags, ...rest);
  if (typeof file === "string" && /commit_journal\.[01]\.jsonl$/.test(file) && flags === "a") {
    journalFds.add(fd);
    journalOpened = true;
  }
  if (typeof file === "string" && file.endsWith("runtime_events.jsonl") && flags === "a") logFds.add(fd);
  return fd;
};
fs.closeSync = (fd) => {
  journalFds.delete(fd);
  logFds.delete(fd);
  return closeSync(fd);
};
fs.writeSync = (fd, ...rest) => {
  const written = writeSync(fd, ...rest);
  if (journalFds.has(fd)) {
    lastWasJournal = true;
    if (name === "append" && --remaining === 0) die();
  } else if (logFds.has(fd) && lastWasJournal) {
    lastWasJournal = false;
    if (name === "events" && --remaining === 0) die();
  }
  return written;
};
fs.fdatasyncSync = (fd) => {
  fdatasyncSync(fd);
  if (journalFds.has(fd) && name === "fsync" && --remaining === 0) die();
};
fs.ftruncateSync = (fd, length) => {
  if (journalFds.has(fd) && name === "checkpoint") die();
  return ftruncateSync(fd, length);
};
fs.renameSync = (source, destination) => {
  renameSync(source, destination);
  // Recovery runs before the engine opens its journal: a rename before that is recovery's rewrite.
  if (name === "recovery" && !journalOpened && String(destination).includes("millrace-agents")) die();
};
syncBuiltinESMExports();

if (name.startsWith("shown:")) {
  const line = `stage_started ${name.slice("shown:".length)}\n`;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk, ...rest) => {
    if (String(chunk) !== line) return write(chunk, ...rest);
    // Synchronous, so the parent reads the line before the kill.
    fs.writeSync(1, line);
    die();
    return true;
  };
}

await import("./daemon-child.mjs");
