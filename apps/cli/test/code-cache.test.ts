import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Script } from "node:vm";
import { beforeEach, describe, expect, it } from "vitest";
import { hotBundleLoader, loadHotBundle, requireHotBundle } from "../src/cached-script-loader.js";
import {
  CODE_CACHE_MAGIC,
  cachedDataFor,
  decodeCodeCache,
  encodeCodeCache,
  readCodeCache,
} from "../src/code-cache-file.js";
import { tempDir } from "./helpers.js";

// The loader of the hot bundles and their code cache file, in process, on hand-written chunks.

let dir: string;
const resolve = (specifier: string) => `file:///resolved/${specifier}`;

function chunk(name: string, source: string): void {
  writeFileSync(path.join(dir, name), source);
}

/** Loads hot-demo.cjs and returns its exports and every script the loader compiled. */
function load(cache?: Parameters<typeof loadHotBundle>[2]["cache"]) {
  const scripts: { name: string; script: Script; source: Buffer }[] = [];
  const exports = loadHotBundle(dir, "hot-demo.cjs", {
    cache,
    resolve,
    onScript: (name, script, source) => scripts.push({ name, script, source }),
  });
  return { exports, scripts };
}

/** What hot-demo.cjs (below) exports when its chunks run as they should. */
function demoExports() {
  return {
    value: 42,
    file: path.join(dir, "hot-demo.cjs"),
    dir,
    resolved: "file:///resolved/@millrace/contracts",
    sep: path.sep,
    cycle: 42,
  };
}

/** A cache file's bytes for what `load()` compiled, made after the code ran. */
function cacheOf(scripts: ReturnType<typeof load>["scripts"]): Buffer {
  return encodeCodeCache(
    scripts.map(({ name, source, script }) => ({ name, source, data: script.createCachedData() })),
  );
}

beforeEach(() => {
  dir = tempDir("millrace-code-cache-");
  chunk(
    "hot-demo.cjs",
    `const part = require("./hot-demo-part-AbC_1.cjs");
const path = require("node:path");
function twice(n) { return n * 2; }
exports.value = twice(part.value);
exports.file = __filename;
exports.dir = __dirname;
exports.resolved = __millraceImportResolve("@millrace/contracts");
exports.sep = path.sep;
exports.cycle = require("./hot-demo-cycle.cjs").seen;
`,
  );
  chunk("hot-demo-part-AbC_1.cjs", "exports.value = 21;\n");
  // Requires the entry while the entry is still running: it sees the entry's exports so far.
  chunk("hot-demo-cycle.cjs", `exports.seen = require("./hot-demo.cjs").value;\n`);
});

describe("loadHotBundle", () => {
  it("runs a bundle's chunks as CommonJS modules, each once, with the loader's resolver", () => {
    const { exports, scripts } = load();
    expect(exports).toMatchObject(demoExports());
    expect(scripts.map((entry) => entry.name).sort()).toEqual([
      "hot-demo-cycle.cjs",
      "hot-demo-part-AbC_1.cjs",
      "hot-demo.cjs",
    ]);
  });

  it("loads only the bundle's own files, from its folder", () => {
    mkdirSync(path.join(dir, "sub"));
    writeFileSync(path.join(dir, "sub", "hot-x.cjs"), "exports.x = 1;\n");
    for (const target of ["./sub/hot-x.cjs", "./../hot-demo.cjs", "./chunk-main.js", "./hot-demo.js"]) {
      chunk("hot-demo.cjs", `require(${JSON.stringify(target)});\n`);
      expect(() => load()).toThrow(/not a hot bundle file/);
    }
  });

  it("lets an error thrown by a chunk through to the caller", () => {
    chunk("hot-demo.cjs", `exports.first = require("./hot-demo-part-AbC_1.cjs").value;\n`);
    chunk("hot-demo-part-AbC_1.cjs", "throw new Error('boom in chunk');\n");
    expect(() => load()).toThrow("boom in chunk");
  });

  it("hands V8 the cache made after a run, and V8 takes it", () => {
    const first = load();
    const cache = decodeCodeCache(cacheOf(first.scripts));
    expect(cache?.chunks.size).toBe(3);
    const second = load(cache);
    expect(second.exports.value).toBe(42);
    for (const { script } of second.scripts) expect(script.cachedDataRejected).toBe(false);
  });
});

describe("requireHotBundle (node's own loader, for node's compile cache)", () => {
  it("gives the same exports as loadHotBundle, the resolver reaching the chunks as a global", () => {
    const native = requireHotBundle(dir, "hot-demo.cjs", resolve);
    expect(native).toMatchObject(demoExports());
    expect({ ...native }).toEqual({ ...load().exports });
  });

  it("loads only a hot bundle file", () => {
    chunk("other.cjs", "exports.value = 1;\n");
    expect(() => requireHotBundle(dir, "other.cjs", resolve)).toThrow(/not a hot bundle file: other\.cjs/);
    expect(() => requireHotBundle(dir, "../hot-demo.cjs", resolve)).toThrow(/not a hot bundle file/);
  });
});

describe("hotBundleLoader: which loader a hot bundle goes through", () => {
  it("the shipped cache when it fits this node; node's own loader when it does not and node caches", () => {
    expect(hotBundleLoader(true, undefined)).toBe("vm");
    expect(hotBundleLoader(true, "/tmp/node-compile-cache")).toBe("vm");
    expect(hotBundleLoader(false, "/tmp/node-compile-cache")).toBe("require");
    // Node 20 (no compile cache of its own) with no usable shipped cache: compiled from source.
    expect(hotBundleLoader(false, undefined)).toBe("vm");
  });
});

describe("the code cache file", () => {
  it("gives a chunk its cache only for the very source it was made from", () => {
    const { scripts } = load();
    const cache = decodeCodeCache(cacheOf(scripts));
    const entry = scripts.find((script) => script.name === "hot-demo.cjs");
    if (!entry) throw new Error("no entry script");
    expect(cachedDataFor(cache, "hot-demo.cjs", entry.source)).toBeInstanceOf(Buffer);
    // Same length, one character changed: V8's own check (the length) would not see it.
    const edited = Buffer.from(entry.source.toString("utf8").replace("n * 2", "n * 3"));
    expect(edited.length).toBe(entry.source.length);
    expect(cachedDataFor(cache, "hot-demo.cjs", edited)).toBeUndefined();
    expect(cachedDataFor(cache, "hot-other.cjs", entry.source)).toBeUndefined();
    expect(cachedDataFor(undefined, "hot-demo.cjs", entry.source)).toBeUndefined();
  });

  it("refuses a damaged cache: a flipped byte, a cut, another V8, garbage", () => {
    const { scripts } = load();
    const bytes = cacheOf(scripts);
    const source = scripts.find((script) => script.name === "hot-demo.cjs")?.source as Buffer;
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 10] = (flipped[flipped.length - 10] as number) ^ 0xff;
    const flippedCache = decodeCodeCache(flipped);
    expect(scripts.every(({ name, source }) => cachedDataFor(flippedCache, name, source) !== undefined)).toBe(
      false,
    );
    // A cut file keeps the entries that are whole and drops the rest.
    const cut = decodeCodeCache(bytes.subarray(0, bytes.length - 1));
    expect(cut?.chunks.size).toBe(2);
    const header = bytes.toString("latin1", 0, bytes.indexOf(10, CODE_CACHE_MAGIC.length));
    const otherV8 = Buffer.concat([
      Buffer.from(header.replace(`"v8":"${process.versions.v8}"`, '"v8":"1.0.0"')),
      bytes.subarray(header.length),
    ]);
    expect(decodeCodeCache(otherV8)).toBeUndefined();
    expect(decodeCodeCache(Buffer.from("not a cache"))).toBeUndefined();
    expect(decodeCodeCache(Buffer.from(`${CODE_CACHE_MAGIC}{"v8":`))).toBeUndefined();
    expect(decodeCodeCache(Buffer.from(`${CODE_CACHE_MAGIC}{broken}\n`))).toBeUndefined();
    expect(decodeCodeCache(Buffer.from(`${CODE_CACHE_MAGIC}null\n`))).toBeUndefined();
    const wild = `{"v8":"${process.versions.v8}","arch":"${process.arch}","chunks":{"a":{"offset":-1,"length":4,"digest":"x"},"b":{"offset":0,"length":99,"digest":"x"},"c":null}}`;
    expect(decodeCodeCache(Buffer.from(`${CODE_CACHE_MAGIC}${wild}\nabcd`))?.chunks.size).toBe(0);
    expect(cachedDataFor(decodeCodeCache(otherV8), "hot-demo.cjs", source)).toBeUndefined();
  });

  it("reads a cache file only when it is a regular file within the size cap", () => {
    const { scripts } = load();
    const file = path.join(dir, "hot-demo.v8cache");
    writeFileSync(file, cacheOf(scripts));
    expect(readCodeCache(file)?.chunks.size).toBe(3);
    expect(readCodeCache(file, 100)).toBeUndefined();
    expect(readCodeCache(path.join(dir, "missing.v8cache"))).toBeUndefined();
    mkdirSync(path.join(dir, "folder.v8cache"));
    expect(readCodeCache(path.join(dir, "folder.v8cache"))).toBeUndefined();
    writeFileSync(path.join(dir, "empty.v8cache"), "");
    expect(readCodeCache(path.join(dir, "empty.v8cache"))).toBeUndefined();
  });
});
