import { statSync } from "node:fs";
import path from "node:path";
import { isSafeId } from "@millrace/contracts";
import { readRegularFile, type WorkspacePaths, writeFileAtomicSync } from "@millrace/workspace";

/**
 * The newest-runs record (`state/newest_runs.json`): a hint that lets `runs ls --limit N` skip the
 * `stat` of every run folder. It names a few run folders ("listed") and claims that every other
 * folder's `stage_results/` was last modified at or before `horizon_ms`. It is untrusted: it is used
 * only when its seal matches its content and its name count and digest match the names in `runs/`
 * now (so a folder added, removed or renamed since, by an older build or by hand, voids it), and the
 * listed folders are always `stat`ed afresh. It lives outside the run folders and the Python
 * original never reads it. Written without fsync: it is a hint, rebuilt by any full scan.
 */

export const NEWEST_RUNS_RECORD_FILE = "newest_runs.json";
/** How many folders with a `stage_results/` time a record lists (the newest by that time). */
export const RECORD_LISTED = 256;
/** Hard cap on listed names (folders without stage results are always listed); beyond it, no record. */
export const RECORD_MAX_LISTED = 1_024;
/** Refuse larger files unread: 1,024 names of a few dozen bytes each fit well inside. */
const RECORD_MAX_BYTES = 128 * 1024;
const KIND = "newest_runs_hint";

export interface NewestRunsRecord {
  /** Names in `runs/` when the record was last made consistent. */
  readonly names: number;
  /** Order-free digest of those names (namesDigest). */
  readonly namesDigest: string;
  /** Upper bound on the `stage_results/` time of every unlisted folder; null when there is none. */
  readonly horizonMs: number | null;
  readonly listed: readonly string[];
}

const FNV_A = 0x811c9dc5;
const FNV_B = 0x01000193 ^ 0x5bd1e995;
const PRIME_A = 0x01000193;
const PRIME_B = 0x0100019d;

/** Two independent 32-bit FNV-1a lanes of one name. Not a security hash: it catches changes, not forgers. */
function nameHash(name: string): [number, number] {
  let a = FNV_A;
  let b = FNV_B;
  for (let i = 0; i < name.length; i += 1) {
    const code = name.charCodeAt(i);
    a = Math.imul(a ^ code, PRIME_A);
    b = Math.imul(b ^ code, PRIME_B);
  }
  return [a >>> 0, b >>> 0];
}

function hex(a: number, b: number): string {
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/** XOR of the names' hashes: independent of order, so the engine can add one name without a listing. */
function xorDigest(digest: string, name: string): string {
  const [a, b] = nameHash(name);
  return hex(Number.parseInt(digest.slice(0, 8), 16) ^ a, Number.parseInt(digest.slice(8), 16) ^ b);
}

/**
 * The count and digest of every name in a `runs/` listing (not only run folders: any change there
 * voids the record, and skipping the safe-id check saves a third of the time). nameHash is inlined
 * in one loop, which a cold process optimizes at once (a call per name ran about four times slower
 * over 10,000 names).
 */
export function namesDigest(names: readonly string[]): { names: number; namesDigest: string } {
  let a = 0;
  let b = 0;
  for (const name of names) {
    let x = FNV_A;
    let y = FNV_B;
    for (let i = 0; i < name.length; i += 1) {
      const code = name.charCodeAt(i);
      x = Math.imul(x ^ code, PRIME_A);
      y = Math.imul(y ^ code, PRIME_B);
    }
    a ^= x;
    b ^= y;
  }
  return { names: names.length, namesDigest: hex(a, b) };
}

function sealOf(record: NewestRunsRecord): string {
  const [a, b] = nameHash(
    `${record.names}|${record.namesDigest}|${record.horizonMs}|${record.listed.join("/")}`,
  );
  return hex(a, b);
}

function recordPath(paths: WorkspacePaths): string {
  return path.join(paths.state, NEWEST_RUNS_RECORD_FILE);
}

/** The record as its file says, or undefined for anything missing, linked, oversized or malformed. */
export function readNewestRunsRecord(paths: WorkspacePaths): NewestRunsRecord | undefined {
  const read = readRegularFile(recordPath(paths), { maxBytes: RECORD_MAX_BYTES });
  if (read.kind !== "ok") return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(read.text);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null || raw.schema_version !== 1 || raw.kind !== KIND)
    return undefined;
  const { names, names_digest, horizon_ms, listed, seal } = raw;
  if (!Number.isSafeInteger(names) || (names as number) < 0) return undefined;
  if (typeof names_digest !== "string" || !/^[0-9a-f]{16}$/.test(names_digest)) return undefined;
  if (horizon_ms !== null && !Number.isFinite(horizon_ms)) return undefined;
  if (!Array.isArray(listed) || listed.length > RECORD_MAX_LISTED) return undefined;
  if (!listed.every((name) => typeof name === "string" && isSafeId(name))) return undefined;
  if (new Set(listed).size !== listed.length) return undefined;
  const record: NewestRunsRecord = {
    names: names as number,
    namesDigest: names_digest,
    horizonMs: horizon_ms as number | null,
    listed: listed as string[],
  };
  return seal === sealOf(record) ? record : undefined;
}

/** Best effort, no fsync: a failed write (read-only workspace, a race) only costs the next reader a scan. */
export function writeNewestRunsRecord(paths: WorkspacePaths, record: NewestRunsRecord): boolean {
  const body = {
    schema_version: 1,
    kind: KIND,
    names: record.names,
    names_digest: record.namesDigest,
    horizon_ms: record.horizonMs,
    listed: record.listed,
    seal: sealOf(record),
  };
  try {
    writeFileAtomicSync(recordPath(paths), `${JSON.stringify(body)}\n`, { durable: false });
    return true;
  } catch {
    return false;
  }
}

/** A run folder's `stage_results/` time in ms, undefined without one (such folders are always read). */
export function stageResultsTime(runDir: string): number | undefined {
  try {
    const stat = statSync(`${runDir}${path.sep}stage_results`, { throwIfNoEntry: false });
    return stat?.isDirectory() ? stat.mtimeMs : undefined;
  } catch (error) {
    // A listed name that is now a file (a hand-edited folder): not a run folder.
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw error;
  }
}

/**
 * The record after the engine starts a stage in `runDir` (DESIGN: a hint, so no fsync): the folder
 * is listed first; `created` says the folder is new, so its name joins the digest. Beyond
 * RECORD_LISTED names, the oldest-listed folders that have a `stage_results/` folder leave the list
 * and raise the horizon to their time; a folder without one stays listed. Nothing is written when
 * there is no valid record (the next full `runs ls` makes one) or the folder is already first.
 */
export function noteRunFolder(paths: WorkspacePaths, runDir: string, created: boolean): void {
  try {
    noteIn(paths, runDir, created);
  } catch {
    // A hint: an unreadable folder or record leaves it stale, and a stale record is never used.
  }
}

function noteIn(paths: WorkspacePaths, runDir: string, created: boolean): void {
  const record = readNewestRunsRecord(paths);
  const name = path.basename(runDir);
  if (!record || !isSafeId(name) || record.listed[0] === name) return;
  const known = record.listed.includes(name);
  const listed = [name, ...record.listed.filter((other) => other !== name)];
  let horizonMs = record.horizonMs;
  for (let index = listed.length - 1; index > 0 && listed.length > RECORD_LISTED; index -= 1) {
    const time = stageResultsTime(path.join(paths.runs, listed[index] as string));
    if (time === undefined) continue;
    horizonMs = horizonMs === null ? time : Math.max(horizonMs, time);
    listed.splice(index, 1);
  }
  if (listed.length > RECORD_MAX_LISTED) return;
  const addsName = created && !known;
  writeNewestRunsRecord(paths, {
    names: record.names + (addsName ? 1 : 0),
    namesDigest: addsName ? xorDigest(record.namesDigest, name) : record.namesDigest,
    horizonMs,
    listed,
  });
}
