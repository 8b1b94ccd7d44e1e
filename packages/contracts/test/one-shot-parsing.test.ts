import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

// zod's settings are global to a process, so each case runs in a child node process against the
// built package (dist/), counting the functions zod compiles (its JIT) while a config is parsed.
const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "dist");

function compiledWhileParsing(oneShot: boolean): { compiled: number; result: string } {
  const script = `
    let compiled = 0;
    const Original = globalThis.Function;
    globalThis.Function = new Proxy(Original, { construct(target, args) { compiled += 1; return Reflect.construct(target, args); } });
    ${oneShot ? `(await import(${JSON.stringify(pathToFileURL(path.join(DIST, "one-shot-parsing.js")).href)})).useOneShotParsing();` : ""}
    const contracts = await import(${JSON.stringify(pathToFileURL(path.join(DIST, "index.js")).href)});
    const good = contracts.MillraceConfigSchema.safeParse({ runtime: { default_mode: "default_codex" } });
    const bad = contracts.MillraceConfigSchema.safeParse({ runtime: { default_mode: 42, bogus: true } });
    console.log(JSON.stringify({ compiled, result: JSON.stringify([good, bad.error.issues]) }));
  `;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout);
}

describe("useOneShotParsing", () => {
  it("turns off zod's compiled checkers for schemas built after it, with the same verdicts and issues", () => {
    const compiled = compiledWhileParsing(false);
    const oneShot = compiledWhileParsing(true);
    expect(compiled.compiled).toBeGreaterThan(0);
    expect(oneShot.compiled).toBe(0);
    expect(oneShot.result).toBe(compiled.result);
  });
});
