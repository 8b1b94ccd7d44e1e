import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { assertRuntimeWriteConfined } from "./confine.js";

/** Temp files are `.<name>.tmp-<hex>` beside their target, so a crash leaves them in one known shape. */
export const TEMP_FILE_PATTERN = /^\..+\.tmp-[0-9a-f]{8,32}$/;

/**
 * Temp names: the writer's pid (8 hex digits), 4 random bytes drawn once per process, then a
 * counter. Unique across processes (pid and random part) and within one (the counter), like a fresh
 * random suffix per write, without a call into the CSPRNG (and its `getpid`) on every atomic write
 * of the handoff path. The pid lets a litter clean tell a live writer's temp file (another process
 * writing into the workspace right now: `millrace queue add-task` while a daemon starts) from a dead
 * writer's litter.
 */
const TEMP_PREFIX = `${process.pid.toString(16).padStart(8, "0").slice(-8)}${randomBytes(4).toString("hex")}`;
let tempCounter = 0;

/** A fresh temp path beside `target`, in the shape `removeTempLitter` knows. */
export function tempPathFor(target: string): string {
  tempCounter = (tempCounter + 1) >>> 0;
  const suffix = `${TEMP_PREFIX}${tempCounter.toString(16).padStart(8, "0")}`;
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${suffix}`);
}

/**
 * The pid that wrote a temp file, from its name (names of this build: 24 hex digits, the first 8
 * the pid); undefined for other shapes (older builds' random names).
 */
function tempWriterPid(name: string): number | undefined {
  const suffix = name.slice(name.lastIndexOf(".tmp-") + 5);
  if (suffix.length !== 24) return undefined;
  const pid = Number.parseInt(suffix.slice(0, 8), 16);
  return pid > 0 ? pid : undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * True when `name` is a temp file another live process is writing now (its name carries a pid
 * that is running and not this process): litter cleans leave it. A dead writer's file, an older
 * build's, or this process's own are litter. A pid reused since its writer died keeps that file
 * until a later clean: harmless, as temp names are never read.
 */
export function isLiveWritersTemp(name: string): boolean {
  const pid = tempWriterPid(name);
  return pid !== undefined && pid !== process.pid && processAlive(pid);
}

/** Fsyncs a folder so a rename or link inside it survives a power loss. Never throws. */
export function fsyncDirSync(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse a directory fsync; the rename is still atomic.
  }
}

function writeAllSync(fd: number, data: string | Uint8Array): void {
  const buffer = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

/*
 * Every writer below refuses a target under `<root>/millrace-agents/` whose existing components
 * lead out of `<root>` through a symbolic link (`workspace_path_escapes`), so a hostile clone cannot
 * redirect runtime writes (see confine.ts).
 */

/**
 * Atomic write (DESIGN decision 2): write a temp file in the same folder, fsync it, rename it over
 * the target, fsync the folder. Readers see the old content or the new, never a mix; a crash
 * leaves at worst a temp file that `removeTempLitter` cleans up.
 */
export interface AtomicWriteOptions {
  /**
   * Test seam: called with the temp path after the temp file is written and fsync'd, just before
   * the rename. Crash tests kill the process here.
   */
  beforeRename?: (tempPath: string) => void;
  /**
   * `false` skips the fsyncs (still temp + rename, so still atomic and safe against a killed
   * process). Only for files the runtime can rebuild after a power loss: status markers, journals.
   */
  durable?: boolean;
}

export function writeFileAtomicSync(
  target: string,
  data: string | Uint8Array,
  options?: AtomicWriteOptions,
): void {
  assertRuntimeWriteConfined(target);
  const temp = tempPathFor(target);
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx", 0o644);
    writeAllSync(fd, data);
    if (options?.durable !== false) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (options?.beforeRename) options.beforeRename(temp);
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  if (options?.durable !== false) fsyncDirSync(path.dirname(target));
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  assertRuntimeWriteConfined(target);
  const temp = tempPathFor(target);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, "wx", 0o644);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temp, target);
  } catch (error) {
    await handle?.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  fsyncDirSync(path.dirname(target));
}

/** Atomic JSON write in the typed-file format: 2-space indent, trailing newline. */
export function writeJsonAtomicSync(target: string, value: unknown, options?: AtomicWriteOptions): void {
  writeFileAtomicSync(target, `${JSON.stringify(value, null, 2)}\n`, options);
}

/**
 * Removes temp files left by an interrupted atomic write in the given folders (not recursive),
 * leaving those a live process is writing (`isLiveWritersTemp`). Returns the removed paths.
 */
export function removeTempLitter(dirs: readonly string[]): string[] {
  const removed: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (TEMP_FILE_PATTERN.test(name) && !isLiveWritersTemp(name)) {
        const full = path.join(dir, name);
        rmSync(full, { force: true });
        removed.push(full);
      }
    }
  }
  return removed;
}

/**
 * Creates `target` atomically and only if it does not exist: the bytes go to a temp file (the shape
 * `removeTempLitter` cleans up), which is fsync'd and then hard-linked to the target name. `link`
 * fails when the name is taken, so a concurrent writer is never overwritten and readers see the
 * whole document or nothing. Returns false when the target already exists.
 */
export function createFileExclusiveSync(
  target: string,
  data: string | Uint8Array,
  /** `durable: false` skips the fsyncs (still exclusive and whole), as for writeFileAtomicSync. */
  options?: { durable?: boolean },
): boolean {
  assertRuntimeWriteConfined(target);
  const durable = options?.durable !== false;
  const temp = tempPathFor(target);
  const fd = openSync(temp, "wx", 0o644);
  try {
    writeAllSync(fd, data);
    if (durable) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    linkSync(temp, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  }
  if (durable) fsyncDirSync(path.dirname(target));
  return true;
}

/**
 * Moves a file between folders of one filesystem with a single rename, so it is never in two
 * places and never in none; fsyncs both folders. Returns false (and moves nothing) when the
 * destination already exists.
 */
export function moveFileDurableSync(source: string, destination: string): boolean {
  assertRuntimeWriteConfined(destination);
  if (existsSync(destination)) return false;
  renameSync(source, destination);
  fsyncDirSync(path.dirname(destination));
  if (path.dirname(source) !== path.dirname(destination)) fsyncDirSync(path.dirname(source));
  return true;
}

/** Appends text to a file (creating it and its folder) in one write; fsyncs unless `durable` is false. */
export function appendFileDurableSync(file: string, text: string, options?: { durable?: boolean }): void {
  assertRuntimeWriteConfined(file);
  mkdirSync(path.dirname(file), { recursive: true });
  const fd = openSync(file, "a", 0o644);
  try {
    writeAllSync(fd, text);
    if (options?.durable !== false) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
