import {
  closeSync,
  type Dirent,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import type { SecretValues } from "./collect.js";
import { StreamRedactor } from "./stream-redactor.js";

/** Bytes read at a time (exported for the tests that place a value across a chunk boundary). */
export const REDACT_CHUNK_BYTES = 64 * 1024;
const CHUNK = REDACT_CHUNK_BYTES;

/** One read buffer for the whole process: every use reads into it and is done before the next. */
let shared: Buffer | undefined;
function chunkBuffer(): Buffer {
  shared ??= Buffer.allocUnsafe(CHUNK);
  return shared;
}

/**
 * Whether any secret value occurs in the open file, read in chunks that overlap by the longest
 * secret less one byte (so a value split across two reads is still seen). Most captured output
 * holds none, and then the file is only read: no temp file is created.
 */
function holdsSecret(fd: number, secrets: SecretValues): boolean {
  const needles = [...secrets.keys()].map((value) => Buffer.from(value)).filter((value) => value.length > 0);
  if (needles.length === 0) return false;
  const overlap = Math.max(...needles.map((needle) => needle.length)) - 1;
  const buffer = chunkBuffer();
  // A value too long to overlap within one buffer: no quick answer, the full pass decides.
  if (overlap * 2 >= buffer.length) return true;
  let kept = 0;
  let position = 0;
  for (;;) {
    const read = readSync(fd, buffer, kept, buffer.length - kept, position);
    if (read === 0) return false;
    position += read;
    const window = buffer.subarray(0, kept + read);
    if (needles.some((needle) => window.includes(needle))) return true;
    kept = Math.min(overlap, window.length);
    window.copy(buffer, 0, window.length - kept);
  }
}

/**
 * Redacts one regular file in place: when a secret value occurs in it, it is streamed through the
 * redactor into a sibling temp file that replaces it (so a file of any size costs bounded memory,
 * and a crash mid-way leaves the original, never half a file). Symlinks and non-regular files are
 * skipped.
 */
function redactFile(file: string, secrets: SecretValues): boolean {
  try {
    if (!lstatSync(file).isFile()) return false;
  } catch {
    return false;
  }
  try {
    const fd = openSync(file, "r");
    try {
      if (!holdsSecret(fd, secrets)) return false;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.redact-${process.pid}.tmp`);
  let input: number | undefined;
  let output: number | undefined;
  try {
    input = openSync(file, "r");
    output = openSync(temp, "w", 0o600);
    const out = output;
    const redactor = new StreamRedactor(secrets, (bytes) => {
      writeSync(out, bytes);
    });
    const buffer = chunkBuffer();
    for (let read = readSync(input, buffer); read > 0; read = readSync(input, buffer)) {
      redactor.push(buffer.subarray(0, read));
    }
    redactor.end();
    closeSync(output);
    output = undefined;
    if (!redactor.changed) {
      unlinkSync(temp);
      return false;
    }
    renameSync(temp, file);
    return true;
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
    return false;
  } finally {
    if (input !== undefined) closeSync(input);
    if (output !== undefined) closeSync(output);
  }
}

/** Rewrites the given files that contain a secret value. Returns the files that were changed. */
export function redactFiles(files: readonly (string | null | undefined)[], secrets: SecretValues): string[] {
  if (secrets.size === 0) return [];
  return files.filter((file): file is string => !!file && redactFile(file, secrets));
}

/**
 * Redacts every regular file under a run folder (recursively, never following a symlink). The
 * engine calls it at startup for the run folder of each stage that was interrupted (its daemon
 * died), whose streamed files may hold output the final redaction pass never saw. Returns the
 * files that were changed.
 */
export function scrubRunArtifacts(runDir: string, secrets: SecretValues): string[] {
  if (secrets.size === 0) return [];
  const changed: string[] = [];
  const walk = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && redactFile(full, secrets)) changed.push(full);
    }
  };
  walk(runDir);
  return changed.sort();
}
