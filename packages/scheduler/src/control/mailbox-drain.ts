import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import {
  formatEventTimestamp,
  type MailboxArchive,
  type MailboxEnvelope,
  MailboxEnvelopeSchema,
  type Plane,
  timestampSortKey,
} from "@millrace/contracts";
import {
  describeReadProblem,
  quarantineEntry,
  readMailboxFile,
  type WorkspacePaths,
  writeJsonAtomicSync,
} from "@millrace/workspace";
import type { LaneControl } from "../lanes/lane-retry.js";
import { event } from "./control-state.js";
import { applyControlCommand, type ControlOutcome, type ControlState, DeferCommand } from "./handlers.js";

interface IncomingFile {
  name: string;
  file: string;
  /** When the file was written (ns): orders commands issued within the same millisecond. */
  writtenNs: bigint;
  envelope?: MailboxEnvelope;
  error?: string;
  raw?: string;
  /** Not a regular file: moved into the quarantine folder instead of archived. */
  quarantine?: boolean;
}

/** Outcomes that are not a file at all (FIFO, folder, link, device): moved aside, never opened again. */
const QUARANTINED_KINDS = new Set(["symlink", "not_regular", "unreadable"]);

function readIncoming(paths: WorkspacePaths, maxBytes: number | undefined): IncomingFile[] {
  let names: string[];
  try {
    names = readdirSync(paths.mailboxIncoming);
  } catch {
    return [];
  }
  const files: IncomingFile[] = [];
  for (const name of names) {
    if (!name.endsWith(".json") || name.startsWith(".")) continue;
    const file = path.join(paths.mailboxIncoming, name);
    let writtenNs = 0n;
    try {
      writtenNs = lstatSync(file, { bigint: true }).mtimeNs;
    } catch {
      continue;
    }
    // No-follow, non-blocking and capped: a FIFO, a folder or a link to /dev/zero named `*.json`
    // can neither hang nor crash the drain.
    const read = readMailboxFile(paths, name, maxBytes === undefined ? {} : { maxBytes });
    if (read.kind === "missing") continue;
    // The incoming folder itself leads out of the workspace: read nothing from it (doctor says why).
    if (read.kind === "outside_workspace") return [];
    if (read.kind !== "ok") {
      files.push({
        name,
        file,
        writtenNs,
        error: `envelope ${describeReadProblem(read)}`,
        quarantine: QUARANTINED_KINDS.has(read.kind),
      });
      continue;
    }
    const raw = read.text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      files.push({
        name,
        file,
        writtenNs,
        error: `not JSON: ${(error as Error).message}`,
        raw: raw.slice(0, 4096),
      });
      continue;
    }
    const result = MailboxEnvelopeSchema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      files.push({
        name,
        file,
        writtenNs,
        error: `invalid envelope: ${issue?.path.join(".") || "envelope"}: ${issue?.message}`,
        raw: raw.slice(0, 4096),
      });
    } else files.push({ name, file, writtenNs, envelope: result.data });
  }
  // Issue order first (commands from separate processes arrive in the order they were issued).
  return files.sort((a, b) => {
    const at = a.envelope ? timestampSortKey(a.envelope.issued_at) : 0n;
    const bt = b.envelope ? timestampSortKey(b.envelope.issued_at) : 0n;
    if (at !== bt) return at < bt ? -1 : 1;
    if (a.writtenNs !== b.writtenNs) return a.writtenNs < b.writtenNs ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

function archive(
  paths: WorkspacePaths,
  incoming: IncomingFile,
  disposition: "processed" | "failed",
  now: Date,
  result: ControlOutcome | undefined,
  error?: string,
): void {
  const folder = disposition === "processed" ? paths.mailboxProcessed : paths.mailboxFailed;
  mkdirSync(folder, { recursive: true });
  const record: MailboxArchive = {
    schema_version: "1.0",
    kind: "mailbox_archive",
    disposition,
    archived_at: formatEventTimestamp(now),
    ...(incoming.envelope ? { envelope: incoming.envelope } : {}),
    result: result
      ? {
          applied: result.applied,
          detail: result.detail,
          ...(result.artifactPath ? { artifact_path: result.artifactPath } : {}),
        }
      : {},
    ...(error ? { error } : {}),
    ...(incoming.raw !== undefined && !incoming.envelope ? { raw_payload: incoming.raw } : {}),
  };
  let target = path.join(folder, incoming.name);
  for (let n = 1; existsSync(target); n += 1)
    target = path.join(folder, `${incoming.name.slice(0, -5)}.${n}.json`);
  writeJsonAtomicSync(target, record);
  rmSync(incoming.file, { force: true });
}

export interface DrainOptions {
  workersActive: boolean;
  busyPlanes?: readonly Plane[];
  lanes?: LaneControl;
  requestReload?: () => void;
  issuerFallback?: string;
  /** `[limits] max_mailbox_envelope_bytes` of the engine's config; default: the workspace's. */
  maxEnvelopeBytes?: number;
}

/**
 * Applies the mailbox in issue order. Each file is archived to `processed/` with its result, or to
 * `failed/` with the reason (malformed, oversized, or a handler error). A command that must wait
 * for a running stage stops the drain, so later commands never overtake it.
 */
export function drainMailbox(state: ControlState, options: DrainOptions): number {
  let applied = 0;
  for (const incoming of readIncoming(state.paths, options.maxEnvelopeBytes)) {
    if (!incoming.envelope) {
      if (incoming.quarantine)
        quarantineEntry(state.paths, incoming.file, incoming.error ?? "not a regular file");
      else archive(state.paths, incoming, "failed", state.clock(), undefined, incoming.error);
      event(state, "mailbox_command_failed", { file: incoming.name, error: incoming.error });
      continue;
    }
    const envelope = incoming.envelope;
    try {
      const outcome = applyControlCommand(state, envelope.command, envelope.payload, {
        mode: "mailbox",
        issuer: envelope.issuer,
        ...(options.requestReload ? { requestReload: options.requestReload } : {}),
        busyPlanes: options.busyPlanes ?? [],
        ...(options.lanes ? { lanes: options.lanes } : {}),
      });
      archive(state.paths, incoming, "processed", state.clock(), outcome);
      event(state, "mailbox_command_applied", {
        command: envelope.command,
        command_id: envelope.command_id,
        issuer: envelope.issuer,
        applied: outcome.applied,
        detail: outcome.detail,
      });
      applied += 1;
    } catch (error) {
      if (error instanceof DeferCommand) break;
      const message = error instanceof Error ? error.message : String(error);
      archive(state.paths, incoming, "failed", state.clock(), undefined, message);
      event(state, "mailbox_command_failed", {
        command: envelope.command,
        command_id: envelope.command_id,
        error: message,
      });
    }
  }
  return applied;
}
