import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { MillraceError } from "@millrace/contracts";

/**
 * A minimal reader for the gzipped ustar archives `npm pack` writes: regular files and folders,
 * with pax (`x`) and GNU long-name (`L`) headers for long paths. Links, devices and anything that
 * would leave the target folder are refused; sizes are capped so a hostile archive cannot fill
 * the disk.
 */
export interface TarLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = { maxEntries: 5000, maxBytes: 50 * 1024 * 1024 };

interface TarEntry {
  readonly path: string;
  readonly type: "file" | "dir";
  readonly mode: number;
  readonly data: Buffer;
}

function refuse(file: string, reason: string): never {
  throw new MillraceError("skill_invalid", `cannot unpack ${path.basename(file)}: ${reason}`, {
    hint: "Pass a tarball made by `npm pack` (regular files only), or the unpacked folder.",
  });
}

function text(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString("utf8");
}

function octal(block: Buffer, start: number, length: number): number {
  const value = text(block, start, length).trim();
  return value === "" ? 0 : Number.parseInt(value, 8);
}

function paxPath(data: Buffer): string | undefined {
  let offset = 0;
  let found: string | undefined;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = Number.parseInt(data.subarray(offset, space).toString(), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, offset + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (record.slice(0, eq) === "path") found = record.slice(eq + 1);
    offset += length;
  }
  return found;
}

function safeRelative(file: string, raw: string): string {
  const cleaned = raw.replaceAll("\\", "/").replace(/^\.\//, "").replace(/\/+$/, "");
  if (
    cleaned === "" ||
    cleaned.startsWith("/") ||
    cleaned.includes("\0") ||
    cleaned.split("/").includes("..")
  ) {
    refuse(file, `unsafe path ${JSON.stringify(raw)}`);
  }
  return cleaned;
}

// The header walk: each branch is one typeflag, kept together so the offsets read in order.
export function readTarGz(file: string, archive: Buffer, limits: TarLimits = DEFAULT_TAR_LIMITS): TarEntry[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: limits.maxBytes });
  } catch (error) {
    refuse(file, `not a readable gzip archive (${(error as Error).message})`);
  }
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0);
    const data = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === "x" || type === "L") {
      longName = type === "x" ? paxPath(data) : text(data, 0, data.length);
      continue;
    }
    if (type === "g") continue;
    const prefix = text(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    const rel = safeRelative(file, name);
    if (type === "0" || type === "\0")
      entries.push({ path: rel, type: "file", mode: octal(header, 100, 8), data });
    else if (type === "5") entries.push({ path: rel, type: "dir", mode: 0o755, data: Buffer.alloc(0) });
    else
      refuse(file, `${rel} is a ${type === "1" || type === "2" ? "link" : `special entry (type ${type})`}`);
    if (entries.length > limits.maxEntries) refuse(file, `more than ${limits.maxEntries} entries`);
  }
  return entries;
}

/** Writes the entries under `target` (which must exist), keeping only the executable bits' presence. */
export function unpackEntries(entries: readonly TarEntry[], target: string): void {
  for (const entry of entries) {
    const destination = path.join(target, ...entry.path.split("/"));
    if (entry.type === "dir") mkdirSync(destination, { recursive: true });
    else {
      mkdirSync(path.dirname(destination), { recursive: true });
      writeFileSync(destination, entry.data, { mode: (entry.mode & 0o111) !== 0 ? 0o755 : 0o644 });
    }
  }
}
