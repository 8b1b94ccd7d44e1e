// The validated-config cache (src/config-cache.ts): a hit gives exactly what validating gives, only
// valid texts are kept, the folder is used only while it is private, and the entries stay bounded.
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfigText, validateConfigText } from "../src/config.js";
import {
  type ConfigCache,
  configCacheDir,
  MAX_CONFIG_CACHE_ENTRIES,
  openConfigCache,
  setDefaultConfigCache,
} from "../src/config-cache.js";
import { packagedAssetsRoot } from "../src/index.js";
import { tempDir } from "./helpers.js";

const DIGEST = "a".repeat(64);
const SHIPPED = readFileSync(path.join(packagedAssetsRoot(), "millrace.toml"), "utf8");
const RICH = `
[runtime]
default_mode = "default_claude"
idle_sleep_seconds = 0.5
[runners.codex]
args = ["exec", "--json"]
model_reasoning_effort = "high"
[runners.codex.env]
OPENAI_BASE_URL = "http://localhost:1"
[stages.builder]
timeout_seconds = 900
[usage_governance]
enabled = true
calendar_timezone = "Europe/Paris"
[usage_governance.prices."gpt-5-codex"]
input_usd_per_million = 1.25
output_usd_per_million = 10
[usage_governance.budgets]
per_work_item = { cost_usd = 5 }
[[usage_governance.runtime_token_rules.rules]]
rule_id = "spend"
window = "calendar_week"
metric = "cost_usd"
threshold = 50
[execution]
lanes = 3
`;

/** A private cache folder (0700) and a cache over it. */
function privateCache(digest = DIGEST): { dir: string; cache: ConfigCache } {
  const dir = path.join(tempDir(), "cache");
  mkdirSync(dir, { mode: 0o700 });
  const cache = openConfigCache(dir, digest);
  if (!cache) throw new Error("expected a cache");
  return { dir, cache };
}

function validConfig(text: string) {
  const result = validateConfigText(text);
  if (!result.ok) throw new Error(`invalid test config: ${JSON.stringify(result.problems)}`);
  return result.config;
}

const entries = (dir: string) => readdirSync(dir).filter((name) => name.startsWith("config-"));

afterEach(() => setDefaultConfigCache(undefined));

describe("the validated-config cache", () => {
  it.each([
    ["the shipped config", SHIPPED],
    ["a config with most tables set", RICH],
    ["an empty file", ""],
  ])("gives back exactly what validating %s gave, key order included", (_what, text) => {
    const { dir, cache } = privateCache();
    expect(cache.read(text)).toBeUndefined();
    const config = validConfig(text);
    cache.write(text, config);
    expect(entries(dir)).toHaveLength(1);
    const hit = cache.read(text);
    expect(hit).toStrictEqual(config);
    expect(JSON.stringify(hit)).toBe(JSON.stringify(config));
    // Each read is a fresh object: a caller that changes it changes nothing kept.
    (hit as { runtime: { default_mode: string } }).runtime.default_mode = "changed";
    expect(cache.read(text)).toStrictEqual(config);
  });

  it("keys on the text and on the code's digest", () => {
    const { dir, cache } = privateCache();
    cache.write(RICH, validConfig(RICH));
    expect(cache.read(`${RICH}\n`)).toBeUndefined();
    expect(openConfigCache(dir, "b".repeat(64))?.read(RICH)).toBeUndefined();
    expect(openConfigCache(dir, DIGEST)?.read(RICH)).toStrictEqual(validConfig(RICH));
  });

  it("is off without the build's digest or a folder", () => {
    expect(openConfigCache(undefined, DIGEST)).toBeUndefined();
    expect(openConfigCache(tempDir(), undefined)).toBeUndefined();
  });

  it("keeps nothing that JSON would not give back exactly", () => {
    const { dir, cache } = privateCache();
    const config = validConfig(SHIPPED);
    const odd = { ...config, runtime: { ...config.runtime, idle_sleep_seconds: -0 } };
    cache.write("odd", odd);
    cache.write("undefined", { ...config, extra: undefined } as typeof config);
    expect(entries(dir)).toEqual([]);
  });

  it("creates its folder private, and uses a folder only while it is private", () => {
    const parent = tempDir();
    const dir = path.join(parent, "deep", "cache");
    const cache = openConfigCache(dir, DIGEST) as ConfigCache;
    cache.write(SHIPPED, validConfig(SHIPPED));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(cache.read(SHIPPED)).toStrictEqual(validConfig(SHIPPED));

    chmodSync(dir, 0o755);
    const opened = openConfigCache(dir, DIGEST) as ConfigCache;
    expect(opened.read(SHIPPED)).toBeUndefined();
    opened.write(RICH, validConfig(RICH));
    expect(entries(dir)).toHaveLength(1);
  });

  it("does not use a folder that is a link, or an entry that is a link or not a file", () => {
    const { dir: real, cache: realCache } = privateCache();
    realCache.write(SHIPPED, validConfig(SHIPPED));
    const link = path.join(tempDir(), "link");
    symlinkSync(real, link);
    expect(openConfigCache(link, DIGEST)?.read(SHIPPED)).toBeUndefined();

    const { dir, cache } = privateCache();
    cache.write(SHIPPED, validConfig(SHIPPED));
    const [entry] = entries(dir);
    const elsewhere = path.join(tempDir(), "elsewhere.json");
    writeFileSync(elsewhere, readFileSync(path.join(dir, entry as string)));
    const { dir: other, cache: otherCache } = privateCache();
    symlinkSync(elsewhere, path.join(other, entry as string));
    expect(otherCache.read(SHIPPED)).toBeUndefined();
    const { dir: third, cache: thirdCache } = privateCache();
    mkdirSync(path.join(third, entry as string));
    expect(thirdCache.read(SHIPPED)).toBeUndefined();
  });

  it("is no cache, and no error, where its folder cannot be made", () => {
    const file = path.join(tempDir(), "a-file");
    writeFileSync(file, "");
    const cache = openConfigCache(path.join(file, "cache"), DIGEST) as ConfigCache;
    expect(() => cache.write(SHIPPED, validConfig(SHIPPED))).not.toThrow();
    expect(cache.read(SHIPPED)).toBeUndefined();
  });

  it.runIf(process.getuid?.() === 0)("does not use a folder another user owns", () => {
    const { dir, cache } = privateCache();
    cache.write(SHIPPED, validConfig(SHIPPED));
    chownSync(dir, 65_534, 65_534);
    expect(openConfigCache(dir, DIGEST)?.read(SHIPPED)).toBeUndefined();
  });

  it.each([
    ["garbage", "{nope"],
    ["no config", JSON.stringify({ other: 1 })],
    ["an array", JSON.stringify({ config: [1] })],
  ])("treats an entry holding %s as missing, and replaces it at the next write", (_what, text) => {
    const { dir, cache } = privateCache();
    cache.write(SHIPPED, validConfig(SHIPPED));
    const [entry] = entries(dir);
    writeFileSync(path.join(dir, entry as string), text);
    expect(cache.read(SHIPPED)).toBeUndefined();
    cache.write(SHIPPED, validConfig(SHIPPED));
    expect(cache.read(SHIPPED)).toStrictEqual(validConfig(SHIPPED));
  });

  it(`keeps at most ${MAX_CONFIG_CACHE_ENTRIES} entries, dropping the least recently written`, () => {
    const { dir, cache } = privateCache();
    const config = validConfig("");
    const texts = Array.from({ length: MAX_CONFIG_CACHE_ENTRIES + 6 }, (_, i) => `# ${i}\n`);
    texts.forEach((text, i) => {
      cache.write(text, config);
      const [newest] = entries(dir)
        .map((name) => ({ name, at: statSync(path.join(dir, name)).mtimeMs }))
        .sort((a, b) => b.at - a.at);
      // Distinct times, oldest first, whatever the file system's clock resolution.
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
      utimesSync(path.join(dir, (newest as { name: string }).name), at, at);
    });
    expect(entries(dir)).toHaveLength(MAX_CONFIG_CACHE_ENTRIES);
    for (const text of texts.slice(0, 6)) expect(cache.read(text)).toBeUndefined();
    for (const text of texts.slice(6)) expect(cache.read(text)).toStrictEqual(config);
  });
});

describe("configCacheDir", () => {
  const home = () => "/home/op";
  it.each([
    [{ MILLRACE_CACHE_DIR: "/var/cache/mr" }, "/var/cache/mr"],
    [{ MILLRACE_CACHE_DIR: "/var/cache/mr/../x" }, "/var/cache/x"],
    [{ MILLRACE_CACHE_DIR: "off" }, undefined],
    [{ MILLRACE_CACHE_DIR: "relative/dir" }, undefined],
    [{ MILLRACE_CACHE_DIR: "", XDG_CACHE_HOME: "/xdg" }, "/xdg/millrace"],
    [{ XDG_CACHE_HOME: "relative" }, "/home/op/.cache/millrace"],
    [{}, "/home/op/.cache/millrace"],
  ])("reads %j as %s", (env, expected) => {
    expect(configCacheDir(env, home)).toBe(expected);
  });

  it("is off when there is no home folder", () => {
    expect(
      configCacheDir({}, () => {
        throw new Error("no home");
      }),
    ).toBeUndefined();
    expect(configCacheDir({}, () => "")).toBeUndefined();
  });
});

describe("parseConfigText with the cache", () => {
  it("answers a text another process validated from the cache, and validates a broken text every time", () => {
    const { dir, cache } = privateCache();
    setDefaultConfigCache(cache);
    const text = `${RICH}# parse ${Date.now()}\n`;
    const first = parseConfigText(text);
    expect(entries(dir)).toHaveLength(1);
    // What another process kept for this text is what this one answers with.
    const [entry] = entries(dir);
    const kept = JSON.parse(readFileSync(path.join(dir, entry as string), "utf8"));
    expect(kept.config).toStrictEqual(first);
    kept.config.runtime.idle_sleep_seconds = 7;
    writeFileSync(path.join(dir, entry as string), JSON.stringify(kept));
    const other = `${text}# another text first, so this process's own last result is not used\n`;
    parseConfigText(other);
    expect(parseConfigText(text).runtime.idle_sleep_seconds).toBe(7);

    const broken = text.replace("idle_sleep_seconds = 0.5", "idle_sleep_seconds = -1");
    expect(() => parseConfigText(broken)).toThrow(/idle_sleep_seconds/);
    expect(() => parseConfigText(broken)).toThrow(/idle_sleep_seconds/);
    expect(entries(dir)).toHaveLength(2);
  });
});
