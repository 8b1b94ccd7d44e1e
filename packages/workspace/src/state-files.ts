import {
  MillraceError,
  type Plane,
  type RecoveryCounters,
  RecoveryCountersSchema,
  type RuntimeSnapshot,
  RuntimeSnapshotSchema,
  StatusMarkerSchema,
  typedJson,
} from "@millrace/contracts";
import { writeFileAtomicSync } from "./atomic-write.js";
import type { WorkspacePaths } from "./paths.js";
import { describeReadProblem, readRegularFile } from "./safe-read.js";

/** State files are small; anything larger (or not a regular file) was not written by the runtime. */
const MAX_STATE_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Typed reads and atomic writes of the runtime state files: the snapshot, the recovery counters and
 * the per-plane status marker files. Reads validate (and, for the snapshot, normalise); a broken
 * file is a workspace_io_failed error naming the file and the first problem.
 */

function readJsonFile(file: string): unknown {
  const read = readRegularFile(file, { maxBytes: MAX_STATE_FILE_BYTES });
  if (read.kind !== "ok") {
    throw new MillraceError("workspace_io_failed", `cannot read ${file}: it ${describeReadProblem(read)}`, {
      hint: "Run `millrace doctor`; `millrace init --force` re-creates missing state files.",
      details: { file, reason: read.kind },
    });
  }
  const text = read.text;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MillraceError("workspace_io_failed", `${file} is not valid JSON: ${(error as Error).message}`, {
      hint: "Run `millrace doctor` for details.",
      cause: error,
    });
  }
}

function invalid(
  file: string,
  error: { issues: readonly { path: PropertyKey[]; message: string }[] },
): MillraceError {
  const issue = error.issues[0];
  return new MillraceError(
    "workspace_io_failed",
    `${file} is invalid: ${issue ? `${issue.path.map(String).join(".") || "root"}: ${issue.message}` : "unknown problem"}`,
    { hint: "Run `millrace doctor` for details." },
  );
}

export function readRuntimeSnapshot(paths: WorkspacePaths): RuntimeSnapshot {
  const parsed = RuntimeSnapshotSchema.safeParse(readJsonFile(paths.snapshot));
  if (!parsed.success) throw invalid(paths.snapshot, parsed.error);
  return parsed.data;
}

/** Normalises, validates and writes the snapshot atomically; returns what was written. */
export function writeRuntimeSnapshot(paths: WorkspacePaths, snapshot: unknown): RuntimeSnapshot {
  const parsed = RuntimeSnapshotSchema.parse(snapshot);
  writeFileAtomicSync(paths.snapshot, typedJson(parsed));
  return parsed;
}

export function readRecoveryCounters(paths: WorkspacePaths): RecoveryCounters {
  const parsed = RecoveryCountersSchema.safeParse(readJsonFile(paths.recoveryCounters));
  if (!parsed.success) throw invalid(paths.recoveryCounters, parsed.error);
  return parsed.data;
}

export function writeRecoveryCounters(paths: WorkspacePaths, counters: RecoveryCounters): RecoveryCounters {
  const parsed = RecoveryCountersSchema.parse(counters);
  writeFileAtomicSync(paths.recoveryCounters, typedJson(parsed));
  return parsed;
}

/** The marker line of a plane's status file (`### IDLE` when the file is missing or blank). */
export function readStatusMarker(paths: WorkspacePaths, plane: Plane): string {
  const file = paths.statusFiles[plane];
  const read = readRegularFile(file, { maxBytes: MAX_STATE_FILE_BYTES });
  if (read.kind !== "ok" && read.kind !== "missing") {
    throw new MillraceError("workspace_io_failed", `cannot read ${file}: it ${describeReadProblem(read)}`, {
      hint: "Run `millrace doctor`; `millrace init --force` re-creates missing state files.",
      details: { file, reason: read.kind },
    });
  }
  const text = read.kind === "ok" ? read.text : "";
  return text.trim() === "" ? "### IDLE" : text.trim();
}

/** Writes one marker line (`### TOKEN\n`) atomically. */
export function writeStatusMarker(paths: WorkspacePaths, plane: Plane, marker: string): void {
  const value = StatusMarkerSchema.parse(marker);
  writeFileAtomicSync(paths.statusFiles[plane], `${value}\n`);
}
