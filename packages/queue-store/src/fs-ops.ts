import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { canonicalJson, MillraceError } from "@millrace/contracts";

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse a directory fsync; the rename itself is still atomic.
  }
}

function writeAll(fd: number, data: string): void {
  const buffer = Buffer.from(data, "utf8");
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

/**
 * Creates `target` atomically and only if it does not exist: the bytes go to a temp file
 * (`.<name>.tmp-<hex>`, the shape `removeTempLitter` cleans up) which is fsync'd and then
 * hard-linked to the target name. `link` fails when the name is taken, so a concurrent writer can
 * never be overwritten; readers see the whole document or nothing.
 * Returns false when the target already exists.
 */
export function createFileExclusiveSync(target: string, data: string): boolean {
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.tmp-${randomBytes(8).toString("hex")}`,
  );
  const fd = openSync(temp, "wx", 0o644);
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    linkSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already removed above
    }
  }
  fsyncDir(path.dirname(target));
  return true;
}

/**
 * Moves a file between folders of one filesystem with a single rename, so it is never in two
 * places and never in none. Refuses to replace an existing destination.
 */
export function moveFileSync(source: string, destination: string): void {
  if (existsSync(destination)) {
    throw new MillraceError(
      "queue_state_conflict",
      `${destination} already exists; refusing to overwrite it`,
    );
  }
  renameSync(source, destination);
  fsyncDir(path.dirname(destination));
  if (path.dirname(source) !== path.dirname(destination)) fsyncDir(path.dirname(source));
}

/** Appends one JSON object (keys sorted) as a line, in a single write, and fsyncs it. */
export function appendJsonLineSync(file: string, record: object): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const fd = openSync(file, "a", 0o644);
  try {
    writeAll(fd, `${canonicalJson(record)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
