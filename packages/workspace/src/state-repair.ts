import { lstatSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import {
  bootstrapSnapshot,
  emptyRecoveryCounters,
  RecoveryCountersSchema,
  RuntimeSnapshotSchema,
  typedJson,
} from "@millrace/contracts";
import { fsyncDirSync, writeFileAtomicSync } from "./atomic-write.js";
import type { WorkspacePaths } from "./paths.js";

/**
 * Repair of the two runtime state files every start reads: the snapshot and the recovery
 * counters. A file that is missing is re-created; one that is not a regular file, is larger than
 * any real one, is not JSON or does not match its schema is moved aside (kept, never deleted, as
 * `<name>.corrupt-<time>`) and replaced by its fresh default. A valid file is left alone. This is
 * what `clear-stale-state` needs before it can load the state it is meant to clear.
 */

export interface StateFileRepair {
  readonly file: string;
  /** Where the broken file was moved; null when it was missing. */
  readonly kept_as: string | null;
  readonly reason: string;
}

// A real snapshot or counters file is a few KiB; anything this large is not one.
const MAX_STATE_FILE_BYTES = 4 * 1024 * 1024;

interface StateFileSpec {
  readonly file: string;
  readonly validate: (value: unknown) => string | undefined;
  readonly fresh: () => string;
}

function schemaProblem(result: {
  success: boolean;
  error?: { issues: readonly { path: PropertyKey[]; message: string }[] };
}): string | undefined {
  if (result.success) return undefined;
  const issue = result.error?.issues[0];
  return `does not match its schema (${issue?.path.map(String).join(".") || "root"}: ${issue?.message})`;
}

/** Why `file` cannot be used as it is, "missing", or undefined when it is fine. Never opens a non-regular file. */
function diagnose(spec: StateFileSpec): string | undefined {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(spec.file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
  if (!stat.isFile()) return "is not a regular file";
  if (stat.size > MAX_STATE_FILE_BYTES) return `is ${stat.size} bytes, larger than any real state file`;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(spec.file, "utf8"));
  } catch (error) {
    return `is not valid JSON (${(error as Error).message})`;
  }
  return spec.validate(value);
}

function keptName(file: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return path.join(path.dirname(file), `${path.basename(file)}.corrupt-${stamp}`);
}

/** Repairs the snapshot and the counters (see above); returns what it changed, empty when both were fine. */
export function repairStateFiles(paths: WorkspacePaths, options: { now?: Date } = {}): StateFileRepair[] {
  const now = options.now ?? new Date();
  const specs: StateFileSpec[] = [
    {
      file: paths.snapshot,
      validate: (value) => schemaProblem(RuntimeSnapshotSchema.safeParse(value)),
      fresh: () => typedJson(bootstrapSnapshot(now)),
    },
    {
      file: paths.recoveryCounters,
      validate: (value) => schemaProblem(RecoveryCountersSchema.safeParse(value)),
      fresh: () => typedJson(emptyRecoveryCounters()),
    },
  ];
  const repairs: StateFileRepair[] = [];
  for (const spec of specs) {
    const reason = diagnose(spec);
    if (reason === undefined) continue;
    let keptAs: string | null = null;
    if (reason !== "missing") {
      keptAs = keptName(spec.file, now);
      for (let n = 1; lstatExists(keptAs); n++) keptAs = `${keptName(spec.file, now)}-${n}`;
      renameSync(spec.file, keptAs);
      fsyncDirSync(path.dirname(spec.file));
    }
    writeFileAtomicSync(spec.file, spec.fresh());
    repairs.push({ file: spec.file, kept_as: keptAs, reason });
  }
  return repairs;
}

function lstatExists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
