// scripts/check-layers.mjs on scratch monorepos: a clean one passes; each planted violation (upward,
// sibling and deep imports, module and package cycles, processes and watchers outside their owners)
// fails with one clear line. (`pnpm lint` runs the same script on the real repository.)
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "scripts",
  "check-layers.mjs",
);

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

type Files = Record<string, string>;

function pkg(name: string, dependencies: Record<string, string> = {}): string {
  return JSON.stringify({ name, version: "0.0.0", type: "module", dependencies });
}

/** A small monorepo that respects every rule: one package per layer, a bench and an example. */
const CLEAN: Files = {
  "packages/contracts/package.json": pkg("@millrace/contracts"),
  "packages/contracts/src/index.ts": 'export { a } from "./a.js";\nexport type { B } from "./b.js";\n',
  "packages/contracts/src/a.ts": 'import type { B } from "./b.js";\nexport const a: B = 1;\n',
  "packages/contracts/src/b.ts": "export type B = number;\n",
  "packages/workspace/package.json": pkg("@millrace/workspace", { "@millrace/contracts": "workspace:*" }),
  "packages/workspace/src/index.ts":
    'import { a } from "@millrace/contracts";\nimport toml from "@iarna/toml";\nexport const w = [a, toml];\n',
  "packages/queue-store/package.json": pkg("@millrace/queue-store"),
  "packages/queue-store/src/index.ts": 'import { w } from "@millrace/workspace";\nexport const q = w;\n',
  "packages/queue-store/test/store.test.ts":
    '// Tests may start processes.\nimport { spawnSync } from "node:child_process";\nexport const t = spawnSync;\n',
  "packages/compiler/package.json": pkg("@millrace/compiler"),
  "packages/compiler/src/index.ts": 'import { w } from "@millrace/workspace";\nexport const c = w;\n',
  "packages/runners/package.json": pkg("@millrace/runners"),
  "packages/runners/src/index.ts":
    'import { spawn } from "node:child_process";\nimport { execa } from "execa";\nexport const r = [spawn, execa];\n',
  "packages/runners/src/testing.ts": "export const fake = 1;\n",
  "packages/scheduler/package.json": pkg("@millrace/scheduler"),
  "packages/scheduler/src/index.ts":
    'import { q } from "@millrace/queue-store";\nimport { r } from "@millrace/runners";\nimport chokidar from "chokidar";\nexport const s = [q, r, chokidar];\n',
  "packages/runner-contract-tests/package.json": pkg("@millrace/runner-contract-tests"),
  "packages/runner-contract-tests/src/index.ts":
    'import { spawn } from "child_process";\nimport { r } from "@millrace/runners";\nexport const x = [spawn, r];\n',
  "apps/cli/package.json": pkg("millrace"),
  "apps/cli/src/index.ts":
    'import { s } from "@millrace/scheduler";\nimport yargs from "yargs";\nexport const m = [s, yargs];\n',
  "apps/cli/test/docs.test.ts":
    'import { render } from "../../../scripts/docs/index.mjs";\nexport const d = render;\n',
  "bench/package.json": pkg("@millrace/bench"),
  "bench/run.mjs":
    'import { spawnSync } from "node:child_process";\nimport { fake } from "@millrace/runners/testing";\nimport { step } from "./lib.mjs";\nexport const b = [spawnSync, fake, step];\n',
  "bench/lib.mjs": "export const step = 1;\n",
  "examples/embed/package.json": pkg("@millrace/example-embed"),
  "examples/embed/index.mjs": 'import { s } from "@millrace/scheduler";\nexport const e = s;\n',
  "scripts/docs/index.mjs":
    '// Repo tooling is not scanned.\nimport { x } from "../../packages/scheduler/dist/deep/inside.js";\nexport const render = x;\n',
};

function run(extra: Files = {}): { status: number | null; stdout: string; stderr: string } {
  const root = tempDir("millrace-check-layers-");
  roots.push(root);
  for (const [file, text] of Object.entries({ ...CLEAN, ...extra })) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  const result = spawnSync(process.execPath, [SCRIPT, root], { encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the checker on the clean repo plus `extra` and returns the violation lines. */
function violations(extra: Files): string[] {
  const result = run(extra);
  expect(result.status, result.stderr).toBe(1);
  return result.stderr
    .split("\n")
    .filter((line) => line.startsWith("layering: ") && !line.includes("violation(s)"))
    .map((line) => line.slice("layering: ".length));
}

describe("check-layers", () => {
  it("passes a clean monorepo", () => {
    const result = run();
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("layering: ok");
    expect(result.status).toBe(0);
  });

  it("reports an upward import", () => {
    expect(
      violations({
        "packages/workspace/src/up.ts": 'import { r } from "@millrace/runners";\nexport const u = r;\n',
      }),
    ).toEqual([
      "packages/workspace/src/up.ts:1: @millrace/workspace (L1) imports @millrace/runners (L2), a higher layer; imports must point down",
    ]);
  });

  it("reports an import between two L2 packages", () => {
    expect(
      violations({
        "packages/compiler/src/sibling.ts":
          'import { q } from "@millrace/queue-store";\nexport const x = q;\n',
      }),
    ).toEqual([
      "packages/compiler/src/sibling.ts:1: @millrace/compiler (L2) imports @millrace/queue-store, a package of its own layer (L2); L2 packages never import each other",
    ]);
  });

  it("reports a deep import, from a package and from an example", () => {
    expect(
      violations({
        "packages/scheduler/src/deep.ts":
          'import { w } from "@millrace/workspace/src/paths.js";\nexport const x = w;\n',
        "examples/embed/deep.mjs":
          'import { q } from "@millrace/queue-store/dist/store.js";\nexport const y = q;\n',
      }),
    ).toEqual([
      "packages/scheduler/src/deep.ts:1: deep import @millrace/workspace/src/paths.js; use the package's public entry point",
      "examples/embed/deep.mjs:1: deep import @millrace/queue-store/dist/store.js; use the package's public entry point",
    ]);
  });

  it("reports a wholesale re-export in a package module, and not in its tests", () => {
    expect(
      violations({
        "packages/queue-store/src/index.ts":
          'export * from "./store.js";\nexport * as all from "./store.js";\n',
        "packages/queue-store/src/store.ts": "export const s = 1;\n",
        "packages/queue-store/test/helpers.ts": 'export * from "../src/store.js";\n',
      }),
    ).toEqual([
      "packages/queue-store/src/index.ts: `export * from` re-exports a module wholesale; name each export",
    ]);
  });

  it("reports a cycle of relative imports inside a package, type-only imports included", () => {
    expect(
      violations({
        "packages/compiler/src/plan.ts":
          'import { load } from "./load.js";\nexport const plan = load;\nexport type Plan = number;\n',
        "packages/compiler/src/load.ts":
          'import type { Plan } from "./plan.js";\nexport const load = (p: Plan) => p;\n',
      }),
    ).toEqual([
      "packages/compiler: import cycle between modules: src/load.ts -> src/plan.ts -> src/load.ts (type-only imports count; move what both need into its own module)",
    ]);
  });

  it("reports a two-module cycle, type-only imports included, with no allowance for it", () => {
    expect(
      violations({
        "packages/scheduler/src/apply.ts":
          'import { promote } from "./promotions.js";\nexport const apply = promote;\n',
        "packages/scheduler/src/promotions.ts":
          'import type { apply } from "./apply.js";\nexport const promote = 1 as unknown as typeof apply;\n',
      }),
    ).toEqual([
      "packages/scheduler: import cycle between modules: src/apply.ts -> src/promotions.ts -> src/apply.ts (type-only imports count; move what both need into its own module)",
    ]);
  });

  it("reports a cycle between packages", () => {
    const lines = violations({
      "packages/contracts/src/back.ts": 'import { w } from "@millrace/workspace";\nexport const x = w;\n',
    });
    expect(lines).toContain(
      "packages/contracts/src/back.ts:1: @millrace/contracts (L0) imports @millrace/workspace (L1), a higher layer; imports must point down",
    );
    expect(lines).toContain(
      "import cycle between packages: @millrace/contracts -> @millrace/workspace -> @millrace/contracts",
    );
  });

  it("reports node:child_process and execa outside the process-owning packages", () => {
    expect(
      violations({
        "packages/scheduler/src/spawn.ts":
          'import { spawn } from "node:child_process";\nexport const x = spawn;\n',
        "apps/cli/src/run.ts": 'import { execa } from "execa";\nexport const y = execa;\n',
        "examples/embed/exec.mjs":
          'const { exec } = await import("child_process");\nexport const z = exec;\n',
      }),
    ).toEqual([
      "packages/scheduler/src/spawn.ts:1: node:child_process starts processes; only @millrace/runners and @millrace/git may (or a harness listed in PROCESS_HARNESSES with its reason)",
      "apps/cli/src/run.ts:1: execa starts processes; only @millrace/runners and @millrace/git may (or a harness listed in PROCESS_HARNESSES with its reason)",
      "examples/embed/exec.mjs:1: node:child_process starts processes; only @millrace/runners and @millrace/git may (or a harness listed in PROCESS_HARNESSES with its reason)",
    ]);
  });

  it("reports chokidar outside the scheduler", () => {
    expect(
      violations({
        "packages/queue-store/src/watch.ts": 'import { watch } from "chokidar";\nexport const x = watch;\n',
      }),
    ).toEqual(["packages/queue-store/src/watch.ts:1: chokidar may only be used in @millrace/scheduler"]);
  });

  it("reports a package without a layer and a relative import that leaves its package", () => {
    expect(
      violations({
        "packages/mystery/package.json": pkg("@millrace/mystery"),
        "packages/compiler/src/escape.ts":
          'import { w } from "../../workspace/src/index.js";\nexport const x = w;\n',
      }),
    ).toEqual([
      "packages/mystery: package @millrace/mystery has no layer; add it to scripts/check-layers.mjs",
      "packages/compiler/src/escape.ts:1: relative import leaves the package: ../../workspace/src/index.js",
    ]);
  });
});
