import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { MillraceConfig } from "@millrace/contracts";
import { writeFileAtomicSync } from "./atomic-write.js";
import { readRegularFile } from "./safe-read.js";

/**
 * The validated-config cache: what validating a `millrace.toml` text gave, kept in the operator's
 * own cache folder (never in a workspace), so that the next process reading the same text skips
 * parsing the TOML and building and running the config schema (about 16 ms of a cold `status`,
 * docs/performance.md). An entry is keyed on the text itself and on everything else that decides
 * the result: the digest of the code that validates (dist/config-cache-digest.json, written by the
 * build) and the node that runs it (its version, architecture and ICU time-zone data, which the
 * time-zone check reads). Only a valid text is kept, and only when its result survives JSON exactly,
 * so a hit returns what validating would return. A broken text is validated every time.
 *
 * The folder is `MILLRACE_CACHE_DIR` when that is an absolute path (`off` switches the cache off),
 * else `$XDG_CACHE_HOME/millrace`, else `~/.cache/millrace`. It is created private (0700) and used
 * only while it is a real folder owned by this user that no one else may write to; anything else,
 * and any error, means no cache. At most MAX_ENTRIES are kept, the least recently written go first.
 */
export interface ConfigCache {
  /** The folder the entries live in. */
  readonly dir: string;
  /** The validated config for this text, or undefined when none is kept. */
  read(text: string): MillraceConfig | undefined;
  /** Keeps the result of validating this text (best effort; never throws). */
  write(text: string, config: MillraceConfig): void;
}

export const CONFIG_CACHE_ENV = "MILLRACE_CACHE_DIR";
export const MAX_CONFIG_CACHE_ENTRIES = 64;
/** An entry is at most this big (a config file is capped at 1 MiB; its result is smaller). */
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;
const ENTRY_NAME = /^config-[0-9a-f]{64}\.json$/;
const FORMAT = "millrace-config-cache 1";

/** The cache folder the environment names, or undefined when the cache is off. */
export function configCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  home: () => string = os.homedir,
): string | undefined {
  const chosen = env[CONFIG_CACHE_ENV];
  if (chosen !== undefined && chosen !== "") {
    return chosen !== "off" && path.isAbsolute(chosen) ? path.resolve(chosen) : undefined;
  }
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && path.isAbsolute(xdg)) return path.join(xdg, "millrace");
  let dir: string;
  try {
    dir = home();
  } catch {
    return undefined;
  }
  return dir && path.isAbsolute(dir) ? path.join(dir, ".cache", "millrace") : undefined;
}

/** The digest of the validating code, as the build wrote it beside this module. */
function codeDigest(): string | undefined {
  try {
    const parsed = JSON.parse(
      readFileSync(new URL("./config-cache-digest.json", import.meta.url), "utf8"),
    ) as {
      digest?: unknown;
    };
    return typeof parsed.digest === "string" && /^[0-9a-f]{64}$/.test(parsed.digest)
      ? parsed.digest
      : undefined;
  } catch {
    return undefined;
  }
}

/** A real folder (not a link) owned by this user, that no other user may write to or read. */
function isPrivateFolder(dir: string): boolean {
  const stat = lstatSync(dir, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) return false;
  if (process.platform === "win32") return true;
  return stat.uid === process.getuid?.() && (stat.mode & 0o077) === 0;
}

/** Opens the cache in `dir` for code of this digest; undefined when either is missing. */
export function openConfigCache(
  dir: string | undefined,
  digest: string | undefined = codeDigest(),
): ConfigCache | undefined {
  if (dir === undefined || digest === undefined) return undefined;
  const prefix = `${FORMAT}\0${digest}\0${process.version}\0${process.arch}\0${process.versions.icu ?? ""}\0${process.versions.tz ?? ""}\0`;
  const entryFor = (text: string) =>
    path.join(dir, `config-${createHash("sha256").update(prefix).update(text).digest("hex")}.json`);
  let trusted: boolean | undefined;
  const usable = (): boolean => {
    trusted ??= isPrivateFolder(dir);
    return trusted;
  };

  return {
    dir,
    read(text) {
      try {
        if (!usable()) return undefined;
        const read = readRegularFile(entryFor(text), {
          maxBytes: MAX_ENTRY_BYTES,
          utf8: true,
          followLinks: false,
        });
        if (read.kind !== "ok") return undefined;
        const entry = JSON.parse(read.text) as { config?: unknown };
        const config = entry?.config;
        return config !== null && typeof config === "object" && !Array.isArray(config)
          ? (config as MillraceConfig)
          : undefined;
      } catch {
        return undefined;
      }
    },
    write(text, config) {
      try {
        const json = JSON.stringify({ config });
        // Kept only when JSON gives back exactly this result (no -0, no undefined, no odd keys).
        if (!isDeepStrictEqual((JSON.parse(json) as { config: unknown }).config, config)) return;
        if (lstatSync(dir, { throwIfNoEntry: false }) === undefined) {
          mkdirSync(dir, { recursive: true, mode: 0o700 });
          trusted = undefined;
        }
        if (!usable()) return;
        writeFileAtomicSync(entryFor(text), `${json}\n`, { durable: false });
        prune(dir);
      } catch {
        // a cache that cannot be written is no cache
      }
    },
  };
}

/** Removes the least recently written entries beyond MAX_CONFIG_CACHE_ENTRIES. */
function prune(dir: string): void {
  const names = readdirSync(dir).filter((name) => ENTRY_NAME.test(name));
  if (names.length <= MAX_CONFIG_CACHE_ENTRIES) return;
  const dated = names.map((name) => {
    const file = path.join(dir, name);
    return { file, at: statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0 };
  });
  dated.sort((a, b) => a.at - b.at);
  for (const { file } of dated.slice(0, dated.length - MAX_CONFIG_CACHE_ENTRIES))
    rmSync(file, { force: true });
}

let processCache: ConfigCache | null | undefined;

/** This process's cache, from its environment (opened once); undefined when it is off. */
export function defaultConfigCache(): ConfigCache | undefined {
  if (processCache === undefined) processCache = openConfigCache(configCacheDir()) ?? null;
  return processCache ?? undefined;
}

/**
 * Sets this process's cache: a cache, `null` for none, or undefined to open it from the
 * environment again at the next use (tests).
 */
export function setDefaultConfigCache(cache: ConfigCache | null | undefined): void {
  processCache = cache;
}
