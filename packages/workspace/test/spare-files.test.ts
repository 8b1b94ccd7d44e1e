import { spawnSync } from "node:child_process";
import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  cleanTempLitter,
  initWorkspace,
  MAX_SPARES_PER_FOLDER,
  registerSpareFiles,
  releaseSpareFiles,
  type SpareFilePool,
  TEMP_FILE_PATTERN,
  type WorkspacePaths,
  workspacePaths,
  writeFileAtomicSync,
  writeJsonAtomicSync,
} from "../src/index.js";
import { distEntry, fakeAssets, tempDir } from "./helpers.js";

const registered: string[] = [];
afterEach(() => {
  for (const root of registered.splice(0)) releaseSpareFiles(root);
});

function workspace(): WorkspacePaths {
  const root = tempDir();
  initWorkspace(root, { assetsRoot: fakeAssets() });
  return workspacePaths(root);
}

function pooled(paths: WorkspacePaths): SpareFilePool {
  registered.push(paths.runtimeRoot);
  return registerSpareFiles(paths.runtimeRoot);
}

/** The temp files (spares included) in a folder, by name. */
const temps = (dir: string) =>
  readdirSync(dir)
    .filter((name) => TEMP_FILE_PATTERN.test(name))
    .sort();

describe("spare temp files for atomic writes", () => {
  it("a refill prepares the folders just written; the next write there takes a spare instead of creating", () => {
    const paths = workspace();
    const pool = pooled(paths);
    const target = path.join(paths.state, "example.json");
    writeJsonAtomicSync(target, { a: 1 });
    expect(pool.size).toBe(0);
    pool.refill();
    expect(pool.size).toBe(1);
    const [spare] = temps(paths.state);
    expect(spare).toMatch(/^\.spare\.tmp-[0-9a-f]{16}$/);
    const inode = statSync(path.join(paths.state, spare as string)).ino;
    writeJsonAtomicSync(target, { a: 2 });
    expect(readFileSync(target, "utf8")).toBe('{\n  "a": 2\n}\n');
    // The spare became the target: same inode, gone from the folder, nothing else left beside it.
    expect(statSync(target).ino).toBe(inode);
    expect(statSync(target).mode & 0o777).toBe(0o644);
    expect(temps(paths.state)).toEqual([]);
    expect(pool.size).toBe(0);
  });

  it("gives each folder as many spares as it took, at most the cap, and drops those of folders left alone", () => {
    const paths = workspace();
    const pool = pooled(paths);
    const runDir = path.join(paths.runs, "run-1");
    mkdirSync(runDir, { recursive: true });
    for (let i = 0; i < 3; i += 1) writeFileAtomicSync(path.join(paths.state, `s${i}.txt`), `s${i}`);
    for (let i = 0; i < MAX_SPARES_PER_FOLDER + 4; i += 1)
      writeFileAtomicSync(path.join(runDir, `r${i}.json`), "{}", { durable: false });
    pool.refill();
    expect(temps(paths.state)).toHaveLength(3);
    expect(temps(runDir)).toHaveLength(MAX_SPARES_PER_FOLDER);
    // Only state/ is written before the next refill: the run folder's spares are removed, and
    // state/ keeps the two it did not use (it took one; one is all it asked for).
    writeFileAtomicSync(path.join(paths.state, "s0.txt"), "again");
    pool.refill();
    expect(temps(runDir)).toEqual([]);
    expect(temps(paths.state)).toHaveLength(2);
    expect(readFileSync(path.join(paths.state, "s0.txt"), "utf8")).toBe("again");
  });

  it("prepares only the folders `keep` allows, and retire removes a folder's spares at once", () => {
    const paths = workspace();
    const pool = pooled(paths);
    const active = path.join(paths.runs, "run-active");
    const ended = path.join(paths.runs, "run-ended");
    for (const dir of [active, ended]) {
      mkdirSync(dir, { recursive: true });
      writeFileAtomicSync(path.join(dir, "a.json"), "{}");
    }
    pool.refill((folder) => folder === active);
    expect(temps(active)).toHaveLength(1);
    expect(temps(ended)).toEqual([]);
    pool.retire(active);
    expect(temps(active)).toEqual([]);
    // Retired: its earlier writes no longer ask for spares.
    pool.refill();
    expect(temps(active)).toEqual([]);
  });

  it("serves only its own runtime folder", () => {
    const paths = workspace();
    const pool = pooled(paths);
    const outside = tempDir();
    writeFileAtomicSync(path.join(outside, "elsewhere.txt"), "not ours");
    writeFileAtomicSync(path.join(paths.root, "beside-the-runtime.txt"), "not ours either");
    pool.refill();
    expect(pool.size).toBe(0);
    expect(temps(outside)).toEqual([]);
    expect(temps(paths.root)).toEqual([]);
  });

  it("never writes through a spare an agent replaced with a link, a hard link or a used file", () => {
    const paths = workspace();
    const pool = pooled(paths);
    for (let i = 0; i < 3; i += 1) writeFileAtomicSync(path.join(paths.state, `w${i}.txt`), "first");
    pool.refill();
    const [linked, hardLinked, used] = temps(paths.state).map((name) => path.join(paths.state, name));
    const secret = path.join(tempDir(), "operator-file.txt");
    writeFileSync(secret, "");
    rmSync(linked as string);
    symlinkSync(secret, linked as string);
    rmSync(hardLinked as string);
    linkSync(secret, hardLinked as string);
    writeFileSync(used as string, "left by a killed writer");
    for (let i = 0; i < 3; i += 1) writeFileAtomicSync(path.join(paths.state, `w${i}.txt`), `payload ${i}`);
    expect(readFileSync(secret, "utf8")).toBe("");
    for (let i = 0; i < 3; i += 1) {
      expect(readFileSync(path.join(paths.state, `w${i}.txt`), "utf8")).toBe(`payload ${i}`);
    }
    // Each bad spare was dropped (the link itself, not what it points at); the writes created temps.
    expect(temps(paths.state)).toEqual([]);
    expect(statSync(secret).nlink).toBe(1);
  });

  it("keeps working when a folder it prepared is removed, and release removes every spare", () => {
    const paths = workspace();
    const pool = pooled(paths);
    const runDir = path.join(paths.runs, "run-2");
    mkdirSync(runDir, { recursive: true });
    writeFileAtomicSync(path.join(runDir, "a.json"), "{}");
    writeFileAtomicSync(path.join(paths.state, "b.json"), "{}");
    pool.refill();
    rmSync(runDir, { recursive: true });
    writeFileAtomicSync(path.join(paths.runs, "run-3.json"), "{}");
    expect(() => pool.refill()).not.toThrow();
    expect(pool.size).toBe(1);
    writeFileAtomicSync(path.join(paths.state, "b.json"), "{}");
    pool.refill();
    expect(temps(paths.state)).toHaveLength(1);
    releaseSpareFiles(paths.runtimeRoot);
    expect(temps(paths.state)).toEqual([]);
    expect(temps(paths.runs)).toEqual([]);
    // Released: writes go the plain way and nothing is prepared.
    writeFileAtomicSync(path.join(paths.state, "c.json"), "{}");
    pool.refill();
    expect(temps(paths.state)).toEqual([]);
  });

  it("a writer killed before the rename leaves the target as it was and temp litter the next start removes", () => {
    const paths = workspace();
    const target = path.join(paths.state, "runtime_snapshot.json");
    const old = readFileSync(target, "utf8");
    const script = `
      import { registerSpareFiles, writeFileAtomicSync } from ${JSON.stringify(distEntry)};
      const [runtimeRoot, target] = process.argv.slice(1);
      const pool = registerSpareFiles(runtimeRoot);
      writeFileAtomicSync(target + ".other", "prepare a spare");
      pool.refill();
      writeFileAtomicSync(target, "NEW CONTENT", { beforeRename: () => process.kill(process.pid, "SIGKILL") });
    `;
    const child = spawnSync(process.execPath, [
      "--input-type=module",
      "-e",
      script,
      paths.runtimeRoot,
      target,
    ]);
    expect(child.signal).toBe("SIGKILL");
    expect(readFileSync(target, "utf8")).toBe(old);
    const left = temps(paths.state);
    expect(left).toHaveLength(1);
    expect(readFileSync(path.join(paths.state, left[0] as string), "utf8")).toBe("NEW CONTENT");
    // The stage process records' folder takes spares too, so its litter is removed as well.
    const records = path.join(paths.state, "stage_processes");
    mkdirSync(records, { recursive: true });
    writeFileSync(path.join(records, ".spare.tmp-0000000a00000001"), "");
    cleanTempLitter(paths);
    expect(temps(paths.state)).toEqual([]);
    expect(temps(records)).toEqual([]);
  });
});
