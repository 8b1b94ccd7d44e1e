// The validated-config cache through the built CLI: a second process answers from what the first
// kept, an edited millrace.toml is validated again (never answered from an old entry), a broken one
// is reported every time, and MILLRACE_CACHE_DIR=off keeps nothing.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

let root: string;
let configFile: string;

beforeAll(() => {
  root = tempDir();
  expect(runCli(["init", root]).status).toBe(0);
  configFile = path.join(root, "millrace-agents", "millrace.toml");
});

const entries = (dir: string) =>
  existsSync(dir) ? readdirSync(dir).filter((name) => name.startsWith("config-")) : [];

function config(cache: string) {
  const run = runCli(["config", "show", "--json", "-w", root], { env: { MILLRACE_CACHE_DIR: cache } });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  return run.json<{ config: { runtime: { idle_sleep_seconds: number } } }>().config;
}

describe("the validated-config cache, through the CLI", () => {
  it("is written by the first process and answers the next, with the same configuration", () => {
    const cache = path.join(tempDir(), "cache");
    const first = config(cache);
    expect(entries(cache)).toHaveLength(1);
    const second = config(cache);
    expect(second).toEqual(first);
    // The second process answered from the entry: one changed by hand (the cache folder is the
    // operator's own, and trusted) is what the next process prints.
    const [entry] = entries(cache);
    const file = path.join(cache, entry as string);
    const kept = JSON.parse(readFileSync(file, "utf8"));
    kept.config.runtime.idle_sleep_seconds = 7;
    writeFileSync(file, JSON.stringify(kept));
    expect(config(cache).runtime.idle_sleep_seconds).toBe(7);
    writeFileSync(file, JSON.stringify({ config: first }));
    // status, the hot path, reads the same entry and adds none.
    const status = runCli(["status", "--json", "-w", root], { env: { MILLRACE_CACHE_DIR: cache } });
    expect(status.status).toBe(0);
    expect(
      status.json<{ compiled_plan_currentness: { error: string | null } }>().compiled_plan_currentness.error,
    ).toBe(null);
    expect(entries(cache)).toHaveLength(1);
  });

  it("validates an edited file again, and reports a broken one every time", () => {
    const cache = path.join(tempDir(), "cache");
    const original = readFileSync(configFile, "utf8");
    try {
      config(cache);
      const text = original.replace("# idle_sleep_seconds = 1.0", "idle_sleep_seconds = 2.5");
      expect(text).not.toBe(original);
      writeFileSync(configFile, text);
      expect(config(cache).runtime.idle_sleep_seconds).toBe(2.5);
      expect(entries(cache)).toHaveLength(2);

      writeFileSync(configFile, text.replace("idle_sleep_seconds = 2.5", "idle_sleep_seconds = -1"));
      for (let i = 0; i < 2; i++) {
        const broken = runCli(["config", "validate", "-w", root], { env: { MILLRACE_CACHE_DIR: cache } });
        expect(broken.status).toBe(1);
        expect(broken.stdout + broken.stderr).toContain("idle_sleep_seconds");
      }
      expect(entries(cache)).toHaveLength(2);
    } finally {
      writeFileSync(configFile, original);
    }
  });

  it("keeps nothing with MILLRACE_CACHE_DIR=off", () => {
    const home = tempDir();
    const run = runCli(["config", "show", "--json", "-w", root], {
      env: { MILLRACE_CACHE_DIR: "off", HOME: home, XDG_CACHE_HOME: path.join(home, "xdg") },
    });
    expect(run.status).toBe(0);
    expect(readdirSync(home)).toEqual([]);
  });
});
