import { readdirSync } from "node:fs";
import {
  type MailboxEnvelope,
  MailboxEnvelopeSchema,
  type SupervisorReport,
  timestampSortKey,
} from "@millrace/contracts";
import { readMailboxFile, type WorkspacePaths } from "@millrace/workspace";

/** How many pending commands the report lists (the count covers all of them). */
const LISTED_COMMANDS = 20;

function readEnvelope(paths: WorkspacePaths, name: string): MailboxEnvelope | undefined {
  // The workspace's [limits] cap, the one its daemon drains with.
  const read = readMailboxFile(paths, name);
  if (read.kind !== "ok") return undefined;
  try {
    const parsed = MailboxEnvelopeSchema.safeParse(JSON.parse(read.text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Commands waiting in `state/mailbox/incoming/` for a daemon, in issue order. */
export function readMailboxIntake(paths: WorkspacePaths): SupervisorReport["mailbox"] {
  let names: string[];
  try {
    names = readdirSync(paths.mailboxIncoming).filter(
      (name) => name.endsWith(".json") && !name.startsWith("."),
    );
  } catch {
    names = [];
  }
  const envelopes = names
    .map((name) => readEnvelope(paths, name))
    .filter((envelope): envelope is MailboxEnvelope => envelope !== undefined)
    .sort((a, b) => {
      const at = timestampSortKey(a.issued_at);
      const bt = timestampSortKey(b.issued_at);
      return at === bt ? 0 : at < bt ? -1 : 1;
    });
  return {
    pending_count: names.length,
    oldest_issued_at: envelopes[0]?.issued_at ?? null,
    newest_issued_at: envelopes.at(-1)?.issued_at ?? null,
    commands: envelopes
      .slice(0, LISTED_COMMANDS)
      .map((envelope) => ({ command: envelope.command, issuer: envelope.issuer })),
    issuers: [...new Set(envelopes.map((envelope) => envelope.issuer))].sort(),
  };
}
