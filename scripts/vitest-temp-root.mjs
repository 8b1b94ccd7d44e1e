// Vitest globalSetup shared by every package's vitest.config.ts: one temp folder per test run.
//
// Tests make their scratch folders with `mkdtempSync(path.join(os.tmpdir(), prefix))` and leave them
// behind (a whole suite used to leave ~1,000 folders, ~2 GB, in /tmp). Before any test file runs,
// this makes `<system temp>/millrace-test-XXXXXX` and points TMPDIR at it. os.tmpdir() reads TMPDIR on
// every call, and vitest starts its workers after the global setups with a copy of process.env, so
// the workers, and every process a test starts (the built `millrace` binary, git, fake agent CLIs)
// when it passes the environment on, make their temp files inside it. The teardown removes it.
//
// A folder that cannot be removed (a test left something read-only, a process still writing) gives
// one warning line on stderr, never a failed run.
import { chmodSync, lstatSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const TEMP_ROOT_PREFIX = "millrace-test-";

/** Makes the run's temp folder, points TMPDIR at it and returns the teardown that removes it. */
export default function setup() {
  const previous = process.env.TMPDIR;
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), TEMP_ROOT_PREFIX)));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    removeTempRoot(root);
  };
}

/** Removes `root` and everything in it; returns true when it is gone, else warns once. */
export function removeTempRoot(root, warn = (line) => process.stderr.write(`${line}\n`)) {
  try {
    remove(root);
    return true;
  } catch {
    // A folder a test made unwritable (or unlistable) stops the removal when not running as root:
    // give every folder back its owner's rights and try once more.
    try {
      makeWritable(root);
      remove(root);
      return true;
    } catch (error) {
      warn(`warning: could not remove the tests' temp folder ${root}: ${error.code ?? error.message}`);
      return false;
    }
  }
}

function remove(root) {
  // Retries ride out a process a test started that is still writing its last file.
  rmSync(root, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
}

function makeWritable(dir) {
  try {
    chmodSync(dir, 0o700);
  } catch {
    return;
  }
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const child = path.join(dir, name);
    try {
      if (lstatSync(child).isDirectory()) makeWritable(child);
    } catch {
      // Gone already, or unreadable: the second removal reports it.
    }
  }
}
