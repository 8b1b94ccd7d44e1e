import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import {
  CONFIG_FILE_MAX_BYTES,
  DEFAULT_READ_LIMITS,
  findControlChar,
  MillraceError,
} from "@millrace/contracts";

/**
 * Reads of files the runtime did not write itself (mailbox commands, ideas, queue documents, agent
 * result files, body files). A hostile workspace can put anything at such a path: a FIFO that blocks
 * `open`, a folder, a link to `/dev/zero` or `/etc/passwd`, a file of gigabytes. Every read here
 * opens without following a final link and without blocking, accepts only a regular file, never
 * reads more than its cap, and returns a typed outcome instead of throwing, so callers can
 * quarantine the entry with a reason and go on.
 */

/**
 * Default caps in bytes; each read may pass its own. The workspace's `[limits]` table overrides all
 * but `config` (workspaceReadLimits): the config file is read before its limits are known.
 */
export const READ_LIMITS = {
  /** Queue documents and imports (the work-document limit). */
  document: DEFAULT_READ_LIMITS.max_document_bytes,
  /** `millrace_result.json` and the agent's last-message file. */
  result: DEFAULT_READ_LIMITS.max_result_bytes,
  /** One mailbox command file. */
  mailbox: DEFAULT_READ_LIMITS.max_mailbox_envelope_bytes,
  /** One idea in `ideas/inbox/`. */
  idea: DEFAULT_READ_LIMITS.max_idea_bytes,
  /** A `--body-file`. */
  bodyFile: DEFAULT_READ_LIMITS.max_body_file_bytes,
  /** `millrace.toml`, or a config file named with `--config` (fixed). */
  config: CONFIG_FILE_MAX_BYTES,
} as const;

export type SafeReadOutcome =
  | {
      readonly kind: "ok";
      readonly bytes: Buffer;
      readonly text: string;
      readonly size: number;
      /** The opened file's own `fstat` (taken before reading), for callers that keep its facts. */
      readonly stat: Stats;
    }
  | { readonly kind: "missing" }
  | { readonly kind: "symlink" }
  | { readonly kind: "not_regular"; readonly fileType: string }
  | { readonly kind: "too_large"; readonly size: number; readonly limit: number }
  | { readonly kind: "invalid_utf8" }
  | { readonly kind: "control_chars"; readonly char: string; readonly index: number }
  | { readonly kind: "unreadable"; readonly reason: string };

export type SafeReadProblem = Exclude<SafeReadOutcome, { kind: "ok" }>;

export interface SafeReadOptions {
  /** Refuse files larger than this many bytes (without reading them). */
  readonly maxBytes: number;
  /** Decode as strict UTF-8 (default true); `text` is "" when false. */
  readonly utf8?: boolean;
  /**
   * Refuse control characters other than newline, tab and carriage return (documents, ideas).
   * Implies `utf8`.
   */
  readonly plainText?: boolean;
  /**
   * Follow a link at the final component (default false). Only for paths the operator names on the
   * command line; a followed link must still end at a regular file.
   */
  readonly followLinks?: boolean;
}

function fileTypeOf(stat: Stats): string {
  if (stat.isDirectory()) return "directory";
  if (stat.isFIFO()) return "FIFO";
  if (stat.isCharacterDevice()) return "character device";
  if (stat.isBlockDevice()) return "block device";
  if (stat.isSocket()) return "socket";
  if (stat.isSymbolicLink()) return "symbolic link";
  return "special file";
}

function openFlags(followLinks: boolean): number {
  // O_NONBLOCK: opening a FIFO for reading must return at once, not wait for a writer.
  const base = constants.O_RDONLY | constants.O_NONBLOCK;
  return followLinks ? base : base | constants.O_NOFOLLOW;
}

function openFailure(error: NodeJS.ErrnoException): SafeReadProblem {
  switch (error.code) {
    case "ENOENT":
    case "ENOTDIR":
      return { kind: "missing" };
    case "ELOOP": // O_NOFOLLOW on a link (Linux, macOS)
    case "EMLINK": // the same on FreeBSD
      return { kind: "symlink" };
    case "ENXIO": // a socket, or a device without a driver
    case "ENODEV":
      return { kind: "not_regular", fileType: "special file" };
    default:
      return { kind: "unreadable", reason: error.message };
  }
}

/**
 * Reads at most `limit + 1` bytes, so a file that grew after fstat is still caught as too large.
 * The first buffer is sized from fstat (one byte more, to see growth), not a fixed 64 KiB zeroed
 * block: reading 100,000 small queue documents spent most of its time allocating those.
 */
function readCapped(fd: number, limit: number, expected: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  let size = Math.min(limit + 1, expected + 1);
  while (total <= limit) {
    const buffer = Buffer.allocUnsafe(size);
    const n = readSync(fd, buffer, 0, Math.min(size, limit + 1 - total), null);
    if (n === 0) break;
    chunks.push(n === size ? buffer : buffer.subarray(0, n));
    total += n;
    if (n < size) break;
    size = Math.min(64 * 1024, limit + 1 - total || 1);
  }
  if (chunks.length === 1) return chunks[0] as Buffer;
  return Buffer.concat(chunks, total);
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Reads one file under the rules above. Never throws for anything the file system holds. */
export function readRegularFile(file: string, options: SafeReadOptions): SafeReadOutcome {
  let fd: number;
  try {
    fd = openSync(file, openFlags(options.followLinks === true));
  } catch (error) {
    return openFailure(error as NodeJS.ErrnoException);
  }
  let bytes: Buffer;
  let stat: Stats;
  try {
    stat = fstatSync(fd);
    if (!stat.isFile()) return { kind: "not_regular", fileType: fileTypeOf(stat) };
    if (stat.size > options.maxBytes) return { kind: "too_large", size: stat.size, limit: options.maxBytes };
    bytes = readCapped(fd, options.maxBytes, stat.size);
  } catch (error) {
    return { kind: "unreadable", reason: (error as Error).message };
  } finally {
    closeSync(fd);
  }
  if (bytes.length > options.maxBytes) {
    return { kind: "too_large", size: bytes.length, limit: options.maxBytes };
  }
  if (options.utf8 === false && options.plainText !== true)
    return { kind: "ok", bytes, text: "", size: bytes.length, stat };
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    return { kind: "invalid_utf8" };
  }
  if (options.plainText) {
    const found = findControlChar(text);
    if (found) return { kind: "control_chars", char: found.name, index: found.index };
  }
  return { kind: "ok", bytes, text, size: bytes.length, stat };
}

/** One line saying why a file was refused, for quarantine reasons and error messages. */
export function describeReadProblem(problem: SafeReadProblem): string {
  switch (problem.kind) {
    case "missing":
      return "does not exist";
    case "symlink":
      return "is a symbolic link (links are not followed)";
    case "not_regular":
      return `is not a regular file (${problem.fileType})`;
    case "too_large":
      return `is ${problem.size} bytes; the limit is ${problem.limit} bytes`;
    case "invalid_utf8":
      return "is not valid UTF-8 text";
    case "control_chars":
      return `holds the control character ${problem.char} at offset ${problem.index}`;
    case "unreadable":
      return `cannot be read: ${problem.reason}`;
  }
}

/** The text of a file, or a `workspace_file_rejected` error naming the file and the reason. */
export function readRegularFileOrThrow(file: string, options: SafeReadOptions, hint?: string): string {
  const outcome = readRegularFile(file, options);
  if (outcome.kind === "ok") return outcome.text;
  throw new MillraceError("workspace_file_rejected", `${file} ${describeReadProblem(outcome)}`, {
    ...(hint === undefined ? {} : { hint }),
    details: { file, reason: outcome.kind },
  });
}

/**
 * The sha256 of a regular file, read in chunks (no cap: memory stays flat however large it is), or
 * undefined when the path is missing, a link, or not a regular file. Never blocks on a FIFO.
 */
export function sha256OfRegularFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, openFlags(false));
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const hash = createHash("sha256");
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
    return hash.digest("hex");
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
