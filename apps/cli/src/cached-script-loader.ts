import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Script } from "node:vm";
import { type CodeCache, cachedDataFor } from "./code-cache-file.js";

/**
 * Runs a hot bundle (dist/hot-<command>.cjs and its chunks, CommonJS: bundle.mjs) with V8's code
 * cache. Node 20 has no compile cache for ES modules, but `vm.Script` takes `cachedData`: each
 * chunk file is compiled as a script wrapped like a CommonJS module and handed its cache when the
 * cache was made from exactly this source (code-cache-file.ts); V8 refuses one made by another
 * version or with other flags (`cachedDataRejected`) and compiles as usual. Either way the code
 * that runs is the chunk's own source.
 *
 * A chunk requires its sibling chunks as "./<name>" (resolved here, inside `dir` only) and node's
 * built-in modules (through node's own require). Chunks reach package files through
 * `__millraceImportResolve` (bundle.mjs, ownUrls), the caller's `import.meta.resolve`.
 */
const WRAPPER_HEAD = "(function (exports, require, module, __filename, __dirname, __millraceImportResolve) {";
const WRAPPER_TAIL = "\n})";

/** The names the build gives a hot bundle's files (bundle.mjs); nothing else is loaded. */
const CHUNK_NAME = /^hot-[a-z]+(?:-[\w-]+)?\.cjs$/;

export interface HotBundleOptions {
  /** The bundle's code cache (read from dist/ only, by the caller); none: plain compiles. */
  cache?: CodeCache | undefined;
  /** Resolves a bare package name to a URL, as `import.meta.resolve` does. */
  resolve: (specifier: string) => string;
  /** Sees each chunk once it has run (the build's cache writer keeps its script). */
  onScript?: (name: string, script: Script, source: Buffer) => void;
}

type Wrapped = (
  exports: Record<string, unknown>,
  require: (id: string) => unknown,
  module: { exports: Record<string, unknown> },
  filename: string,
  dirname: string,
  resolve: (specifier: string) => string,
) => void;

/** Loads the chunk file `entry` of the hot bundle in `dir` and returns its exports. */
export function loadHotBundle(
  dir: string,
  entry: string,
  options: HotBundleOptions,
): Record<string, unknown> {
  const loaded = new Map<string, { exports: Record<string, unknown> }>();
  const nodeRequire = createRequire(path.join(dir, entry));
  const require = (id: string): unknown => (id.startsWith("./") ? load(id.slice(2)) : nodeRequire(id));

  function load(name: string): Record<string, unknown> {
    const known = loaded.get(name);
    if (known) return known.exports;
    if (!CHUNK_NAME.test(name)) throw new Error(`not a hot bundle file: ${name}`);
    const filename = path.join(dir, name);
    const source = readFileSync(filename);
    const script = new Script(`${WRAPPER_HEAD}${source.toString("utf8")}${WRAPPER_TAIL}`, {
      filename,
      cachedData: cachedDataFor(options.cache, name, source),
    });
    // Registered before it runs, as node does, so chunks that require each other see partial exports.
    const module = { exports: {} as Record<string, unknown> };
    loaded.set(name, module);
    try {
      (script.runInThisContext() as Wrapped)(module.exports, require, module, filename, dir, options.resolve);
    } catch (error) {
      loaded.delete(name);
      throw error;
    }
    options.onScript?.(name, script, source);
    return module.exports;
  }

  return load(entry);
}

/**
 * Loads the hot bundle through node's own CommonJS loader instead, so that node's compile cache
 * (Node 22.1+, switched on by the launcher, dist/bin.cjs) keeps its compiled code between runs. For a node whose V8 is
 * not the one the shipped cache was made with: there `loadHotBundle` would compile every chunk
 * from scratch on every run. The chunks reach `__millraceImportResolve` as a global then (node's
 * module wrapper has no such parameter); it is set before the entry is required.
 */
export function requireHotBundle(
  dir: string,
  entry: string,
  resolve: (specifier: string) => string,
): Record<string, unknown> {
  if (!CHUNK_NAME.test(entry)) throw new Error(`not a hot bundle file: ${entry}`);
  (globalThis as { __millraceImportResolve?: (specifier: string) => string }).__millraceImportResolve =
    resolve;
  const filename = path.join(dir, entry);
  return createRequire(filename)(filename) as Record<string, unknown>;
}

/**
 * How to load a hot bundle: with the shipped V8 code cache when it is this node's (`vm`), through
 * node's own loader when the cache is not usable here but node keeps a compile cache of its own
 * (`require`, Node 22.1+ with the cache on), else compiled from source as a script (`vm`, no cache).
 */
export function hotBundleLoader(
  shippedCacheUsable: boolean,
  nodeCompileCacheDir: string | undefined,
): "vm" | "require" {
  return !shippedCacheUsable && nodeCompileCacheDir !== undefined ? "require" : "vm";
}
