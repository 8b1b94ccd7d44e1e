import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/**
 * The V8 code cache of one hot bundle (dist/hot-<command>.v8cache), written at build time by
 * scripts/hot-code-cache.mjs and read by the hot-bundle loader (cached-script-loader.ts).
 *
 * Layout: the magic line, one line of JSON (the V8 version and architecture it was made with, and
 * per chunk file the offset, length and digest of its cache), then the caches back to back. V8
 * checks a cache's version, flags and the source's length, but in a release build not a checksum
 * of the data, and a damaged cache it accepts can crash the process; so each chunk's digest covers
 * its source and its cache (sha256), and anything that does not match is simply not used.
 */
export const CODE_CACHE_MAGIC = "millrace-v8-code-cache 1\n";

/** Larger files are not read: the four hot bundles' caches are a few MB together. */
export const MAX_CODE_CACHE_BYTES = 16 * 1024 * 1024;

/** The caches of one bundle's chunk files, by file name; each checked against its source at use. */
export interface CodeCache {
  chunks: ReadonlyMap<string, { data: Buffer; digest: string }>;
}

interface Header {
  v8: string;
  arch: string;
  chunks: Record<string, { offset: number; length: number; digest: string }>;
}

/** The digest a chunk's entry carries: its source and its cache together. */
export function codeCacheDigest(source: Buffer, data: Buffer): string {
  return createHash("sha256").update(source).update(data).digest("base64");
}

/** The cache data for a chunk when it was made from exactly this source; undefined otherwise. */
export function cachedDataFor(
  cache: CodeCache | undefined,
  name: string,
  source: Buffer,
): Buffer | undefined {
  const entry = cache?.chunks.get(name);
  if (!entry) return undefined;
  return codeCacheDigest(source, entry.data) === entry.digest ? entry.data : undefined;
}

/** One cache file's bytes from a bundle's chunks and their caches (build time). */
export function encodeCodeCache(
  chunks: ReadonlyArray<{ name: string; source: Buffer; data: Buffer }>,
): Buffer {
  const header: Header = { v8: process.versions.v8, arch: process.arch, chunks: {} };
  let offset = 0;
  for (const { name, source, data } of chunks) {
    header.chunks[name] = { offset, length: data.length, digest: codeCacheDigest(source, data) };
    offset += data.length;
  }
  return Buffer.concat([
    Buffer.from(`${CODE_CACHE_MAGIC}${JSON.stringify(header)}\n`),
    ...chunks.map((chunk) => chunk.data),
  ]);
}

/** The parsed cache file; undefined when its shape or its V8 is not this process's. */
export function decodeCodeCache(bytes: Buffer): CodeCache | undefined {
  if (bytes.toString("latin1", 0, CODE_CACHE_MAGIC.length) !== CODE_CACHE_MAGIC) return undefined;
  const end = bytes.indexOf(10, CODE_CACHE_MAGIC.length);
  if (end < 0) return undefined;
  let header: Header;
  try {
    header = JSON.parse(bytes.toString("utf8", CODE_CACHE_MAGIC.length, end)) as Header;
  } catch {
    return undefined;
  }
  if (header?.v8 !== process.versions.v8 || header.arch !== process.arch) return undefined;
  if (typeof header.chunks !== "object" || header.chunks === null) return undefined;
  const payload = bytes.subarray(end + 1);
  const chunks = new Map<string, { data: Buffer; digest: string }>();
  for (const [name, entry] of Object.entries(header.chunks)) {
    const { offset, length, digest } = entry ?? {};
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || typeof digest !== "string")
      continue;
    if (offset < 0 || length <= 0 || offset + length > payload.length) continue;
    chunks.set(name, { data: payload.subarray(offset, offset + length), digest });
  }
  return { chunks };
}

/**
 * Reads a cache file, at most MAX_CODE_CACHE_BYTES; undefined when it is missing, unreadable, not a
 * regular file, too large or malformed. Never throws: a cache only ever saves compile time.
 */
export function readCodeCache(file: string, maxBytes = MAX_CODE_CACHE_BYTES): CodeCache | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    const bytes = Buffer.allocUnsafe(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (read === 0) return undefined;
      filled += read;
    }
    return decodeCodeCache(bytes);
  } catch {
    return undefined;
  } finally {
    try {
      if (fd !== undefined) closeSync(fd);
    } catch {
      // Nothing to do: the cache was read or given up on already.
    }
  }
}
