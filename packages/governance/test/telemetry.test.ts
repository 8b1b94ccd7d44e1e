import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { codexHome, readCodexQuotaTelemetry } from "../src/subscription/codex-telemetry.js";
import { SubscriptionQuotaReader } from "../src/subscription/quota-reader.js";
import { governanceConfig, tempDir } from "./helpers.js";

function tokenCount(primary: number, secondary: number, resets = 1777370400): string {
  return JSON.stringify({
    timestamp: "2026-04-28T10:00:00Z",
    type: "event_msg",
    payload: {
      type: "token_count",
      info: null,
      rate_limits: {
        primary: { used_percent: primary, window_minutes: 300, resets_at: resets },
        secondary: { used_percent: secondary, resets_at: resets + 86400 },
      },
    },
  });
}

function session(home: string, name: string, lines: string[], mtime: number): void {
  const dir = path.join(home, "sessions", "2026", "04", "28");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join("\n")}\n`);
  utimesSync(file, mtime, mtime);
}

describe("Codex quota telemetry", () => {
  it("reads the latest token_count rate limits of the newest session file", () => {
    const home = tempDir();
    session(home, "old.jsonl", [tokenCount(99, 99)], 1000);
    session(
      home,
      "new.jsonl",
      [tokenCount(10, 20), '{"type":"event_msg","payload":{"type":"agent_message"}}', tokenCount(42, 7)],
      2000,
    );
    const read = readCodexQuotaTelemetry(home, new Date("2026-04-28T10:00:00Z"));
    expect(read).toMatchObject({
      ok: true,
      windows: {
        five_hour: {
          window: "five_hour",
          percent_used: 42,
          resets_at: "2026-04-28T10:00:00Z",
          read_at: "2026-04-28T10:00:00Z",
        },
        weekly: { window: "weekly", percent_used: 7, resets_at: "2026-04-29T10:00:00Z" },
      },
    });
  });

  it("falls back to older files when the newest has no reading, and degrades with none", () => {
    const home = tempDir();
    expect(readCodexQuotaTelemetry(home, new Date())).toEqual({
      ok: false,
      detail: "quota_telemetry_unavailable",
    });
    session(home, "a.jsonl", [tokenCount(30, 5)], 1000);
    session(home, "b.jsonl", ['{"type":"session_meta"}'], 2000);
    expect(readCodexQuotaTelemetry(home, new Date())).toMatchObject({
      ok: true,
      windows: { five_hour: { percent_used: 30 } },
    });
  });

  it("honours CODEX_HOME", () => {
    expect(codexHome({ CODEX_HOME: "/x/codex" })).toBe("/x/codex");
    expect(codexHome({})).toMatch(/\.codex$/);
  });

  it("reuses a reading inside refresh_interval_seconds", () => {
    const home = tempDir();
    session(home, "a.jsonl", [tokenCount(30, 5)], 1000);
    const config = governanceConfig({
      subscription_quota_rules: { enabled: true, refresh_interval_seconds: 60 },
    });
    const reader = new SubscriptionQuotaReader(config, home);
    const t0 = new Date("2026-04-28T10:00:00Z");
    expect(reader.read(t0)).toMatchObject({ state: "healthy", windows: { five_hour: { percent_used: 30 } } });
    session(home, "b.jsonl", [tokenCount(80, 5)], 3000);
    expect(reader.read(new Date(t0.getTime() + 59_000)).windows.five_hour?.percent_used).toBe(30);
    expect(reader.read(new Date(t0.getTime() + 60_000)).windows.five_hour?.percent_used).toBe(80);
    expect(new SubscriptionQuotaReader(governanceConfig(), home).read(t0).state).toBe("disabled");
    expect(new SubscriptionQuotaReader(config, tempDir()).read(t0)).toMatchObject({
      state: "degraded",
      detail: "quota_telemetry_unavailable",
    });
  });
});
