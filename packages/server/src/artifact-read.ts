import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { MillraceError } from "@millrace/contracts";

/** At most this much of an artifact is sent to the page (the rest is cut, and the page says so). */
export const ARTIFACT_VIEW_CAP_BYTES = 256 * 1024;

export interface ArtifactView {
  /** Workspace-relative path, as the run read model names it. */
  path: string;
  size_bytes: number;
  truncated: boolean;
  /** The first `cap` bytes as UTF-8 (invalid sequences replaced); the page shows it as text only. */
  text: string;
}

const LENIENT_UTF8 = new TextDecoder("utf-8", { fatal: false });

function refused(shown: string, why: string): MillraceError {
  return new MillraceError("not_found", `artifact ${shown} is not viewable: ${why}`, {
    hint: "Only regular files of the run's folder are shown.",
    details: { path: shown },
  });
}

/**
 * The head of one artifact file: opened without following a final link and without blocking (a
 * FIFO cannot stall the server), regular files only, never more than `cap` bytes read.
 */
export function readArtifactHead(file: string, shown: string, cap = ARTIFACT_VIEW_CAP_BYTES): ArtifactView {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw refused(
      shown,
      code === "ELOOP" ? "it is a symbolic link" : code === "ENOENT" ? "it does not exist" : String(code),
    );
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw refused(shown, "it is not a regular file");
    const buffer = Buffer.alloc(Math.min(cap, stat.size));
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return {
      path: shown,
      size_bytes: stat.size,
      truncated: stat.size > read,
      text: LENIENT_UTF8.decode(buffer.subarray(0, read)),
    };
  } finally {
    closeSync(fd);
  }
}
