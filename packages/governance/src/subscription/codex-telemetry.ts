import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatTimestamp, type QuotaWindowReading, type SubscriptionQuotaWindow } from "@millrace/contracts";

const NEWEST_FILES = 20;
const TAIL_BYTES = 512 * 1024;

export type CodexTelemetry =
  | {
      readonly ok: true;
      readonly windows: Partial<Record<SubscriptionQuotaWindow, QuotaWindowReading>>;
      readonly source: string;
    }
  | { readonly ok: false; readonly detail: string };

/** `$CODEX_HOME`, else `~/.codex`. */
export function codexHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.CODEX_HOME && env.CODEX_HOME.trim() !== "" ? env.CODEX_HOME : path.join(os.homedir(), ".codex");
}

function sessionFiles(dir: string): { file: string; mtime: number }[] {
  const out: { file: string; mtime: number }[] = [];
  const walk = (folder: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith(".jsonl")) {
        try {
          out.push({ file: full, mtime: statSync(full).mtimeMs });
        } catch {
          // vanished between listing and stat
        }
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => b.mtime - a.mtime).slice(0, NEWEST_FILES);
}

function tail(file: string): string {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    readSync(fd, buffer, 0, buffer.length, start);
    const text = buffer.toString("utf8");
    // A tail that starts mid-line drops that partial line.
    return start > 0 ? text.slice(text.indexOf("\n") + 1) : text;
  } finally {
    closeSync(fd);
  }
}

interface RateLimit {
  used_percent?: unknown;
  resets_at?: unknown;
}

function reading(
  window: SubscriptionQuotaWindow,
  limit: RateLimit | undefined,
  readAt: Date,
): QuotaWindowReading | undefined {
  if (!limit || typeof limit.used_percent !== "number") return undefined;
  const resets =
    typeof limit.resets_at === "number" ? formatTimestamp(new Date(limit.resets_at * 1000)) : null;
  return { window, percent_used: limit.used_percent, resets_at: resets, read_at: formatTimestamp(readAt) };
}

function rateLimitsOf(line: string): { primary?: RateLimit; secondary?: RateLimit } | undefined {
  if (!line.includes("token_count") || !line.includes("rate_limits")) return undefined;
  try {
    const event = JSON.parse(line) as { type?: unknown; payload?: { type?: unknown; rate_limits?: unknown } };
    if (event.type !== "event_msg" || event.payload?.type !== "token_count") return undefined;
    const limits = event.payload.rate_limits;
    return typeof limits === "object" && limits !== null
      ? (limits as { primary?: RateLimit; secondary?: RateLimit })
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The latest subscription quota reading in Codex's own session logs
 * (`$CODEX_HOME/sessions/**\/*.jsonl`): the newest 20 files by mtime, the last 512 KB of each,
 * read from the end. Read-only; never touches the network.
 */
export function readCodexQuotaTelemetry(home: string, readAt: Date): CodexTelemetry {
  const files = sessionFiles(path.join(home, "sessions"));
  if (files.length === 0) return { ok: false, detail: "quota_telemetry_unavailable" };
  for (const { file } of files) {
    let text: string;
    try {
      text = tail(file);
    } catch {
      continue;
    }
    const lines = text.split("\n");
    for (let i = lines.length - 1; i >= 0; i -= 1) {
      const limits = rateLimitsOf(lines[i] ?? "");
      if (!limits) continue;
      const windows: Partial<Record<SubscriptionQuotaWindow, QuotaWindowReading>> = {};
      const five = reading("five_hour", limits.primary, readAt);
      const weekly = reading("weekly", limits.secondary, readAt);
      if (five) windows.five_hour = five;
      if (weekly) windows.weekly = weekly;
      if (five || weekly) return { ok: true, windows, source: file };
    }
  }
  return { ok: false, detail: "quota_telemetry_unavailable" };
}
