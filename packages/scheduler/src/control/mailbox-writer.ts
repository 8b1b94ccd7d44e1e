import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  formatPreciseTimestamp,
  type MailboxCommand,
  type MailboxEnvelope,
  MailboxEnvelopeSchema,
  MillraceError,
  sanitizeCommandId,
} from "@millrace/contracts";
import { createFileExclusiveSync, type WorkspacePaths, workspaceReadLimits } from "@millrace/workspace";

/** A new command id in the reference's shape: `<command>-<epoch ms>-<hex8>`. */
export function newCommandId(command: MailboxCommand, now: Date): string {
  return sanitizeCommandId(`${command}-${now.getTime()}-${randomBytes(4).toString("hex")}`);
}

/**
 * Drops a command into `state/mailbox/incoming/` for the daemon that owns the workspace. The file
 * appears whole or not at all and never replaces an existing one (the workspace's exclusive
 * create: temp file, then a link that fails when the name is taken).
 */
export function writeMailboxCommand(
  paths: WorkspacePaths,
  command: MailboxCommand,
  payload: Record<string, unknown>,
  options: { issuer: string; now: Date; commandId?: string; maxBytes?: number },
): { envelope: MailboxEnvelope; file: string } {
  const envelope = MailboxEnvelopeSchema.parse({
    schema_version: "1.0",
    kind: "mailbox_command",
    command_id: options.commandId ?? newCommandId(command, options.now),
    command,
    issued_at: formatPreciseTimestamp(options.now),
    issuer: options.issuer,
    payload,
  });
  const text = `${JSON.stringify(envelope, null, 2)}\n`;
  // The daemon refuses envelopes over the workspace's cap: refuse here, before anything is written.
  const limit = options.maxBytes ?? workspaceReadLimits(paths).max_mailbox_envelope_bytes;
  const bytes = Buffer.byteLength(text);
  if (bytes > limit) {
    throw new MillraceError(
      "mailbox_command_invalid",
      `the ${command} command is ${bytes} bytes, larger than the mailbox limit of ${limit} bytes`,
      { hint: "Raise [limits] max_mailbox_envelope_bytes in millrace.toml, or send a smaller command." },
    );
  }
  const file = path.join(paths.mailboxIncoming, `${envelope.command_id}.json`);
  if (!createExclusiveRetrying(paths, file, text)) {
    throw new MillraceError(
      "mailbox_command_invalid",
      `mailbox command ${envelope.command_id} already exists`,
    );
  }
  return { envelope, file };
}

/**
 * A daemon that is starting cleans temp-file litter, the mailbox folder included, and may remove
 * our temp file between its write and its link (ENOENT): write it again. Bounded, because each
 * daemon cleans once at startup.
 */
function createExclusiveRetrying(paths: WorkspacePaths, file: string, text: string): boolean {
  for (let attempt = 1; ; attempt++) {
    mkdirSync(paths.mailboxIncoming, { recursive: true });
    try {
      return createFileExclusiveSync(file, text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 5) throw error;
    }
  }
}
