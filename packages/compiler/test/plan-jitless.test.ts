import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CompiledRunPlanSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { readCompiledPlan } from "../src/plan-store.js";
import { compile, config, SHIPPED_MODES, tempWorkspace } from "./helpers.js";

// readCompiledPlan validates without zod's JIT (plan-store.ts). These tests hold that choice to
// the schema's own verdict: on many mutated plans, the verdict, the parsed value (key order
// included) and the issues are the same with and without the JIT.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A small deterministic generator, so a failure names a reproducible mutation. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Every path to a value inside the document. */
function pathsOf(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) pathsOf(item, [...prefix, i], out);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...prefix, key], out);
  }
  return out;
}

const REPLACEMENTS: Json[] = [
  null,
  0,
  -1,
  1.5,
  "",
  "x",
  "not a timestamp",
  true,
  [],
  {},
  ["x"],
  { extra: 1 },
];

/** One mutation of a copy of the plan: a value replaced, a key removed or an unknown key added. */
function mutate(plan: Json, paths: (string | number)[][], next: () => number): { doc: Json; what: string } {
  const doc = structuredClone(plan);
  const at = paths[Math.floor(next() * paths.length)] as (string | number)[];
  const parent = at
    .slice(0, -1)
    .reduce<Json>((node, key) => (node as Record<string, Json>)[key] as Json, doc) as
    | Json[]
    | Record<string, Json>;
  const key = at[at.length - 1] as string | number;
  const choice = next();
  if (choice < 0.2 && !Array.isArray(parent)) {
    delete (parent as Record<string, Json>)[key as string];
    return { doc, what: `removed ${at.join(".")}` };
  }
  if (choice < 0.3 && !Array.isArray(parent)) {
    (parent as Record<string, Json>).unexpected_key = "x";
    return { doc, what: `added a key beside ${at.join(".")}` };
  }
  const replacement = REPLACEMENTS[Math.floor(next() * REPLACEMENTS.length)] as Json;
  (parent as Record<string | number, Json>)[key] = structuredClone(replacement);
  return { doc, what: `${at.join(".")} = ${JSON.stringify(replacement)}` };
}

function verdicts(doc: unknown) {
  const jit = CompiledRunPlanSchema.safeParse(doc);
  const plain = CompiledRunPlanSchema.safeParse(doc, { jitless: true });
  return {
    jit: jit.success ? { ok: JSON.stringify(jit.data) } : { issues: jit.error.issues },
    plain: plain.success ? { ok: JSON.stringify(plain.data) } : { issues: plain.error.issues },
  };
}

function compiledPlan(mode: string): Json {
  const result = compile(tempWorkspace(), config(), { mode });
  expect(result.ok, mode).toBe(true);
  // As persisted: JSON, with no undefined members.
  return JSON.parse(JSON.stringify(result.plan));
}

// The modes whose plans differ most in shape (execution only, with learning, planning-led, blueprint).
const MODES = ["default_codex", "learning_codex", "goalspec_codex", "blueprint_learning_codex"] as const;

describe("plan validation without zod's JIT", () => {
  it.each(MODES.map((mode, index) => [mode, index] as const))(
    "gives the schema's verdict, value and issues on the %s plan and 150 mutations of it",
    (mode, index) => {
      expect(SHIPPED_MODES).toContain(mode);
      const plan = compiledPlan(mode);
      const whole = verdicts(plan);
      expect(whole.plain).toEqual(whole.jit);
      expect(whole.plain).toHaveProperty("ok");
      const paths = pathsOf(plan).slice(1);
      const next = random(index + 1);
      let rejected = 0;
      for (let i = 0; i < 150; i += 1) {
        const { doc, what } = mutate(plan, paths, next);
        const { jit, plain } = verdicts(doc);
        expect(plain, `${mode}: ${what}`).toEqual(jit);
        if ("issues" in plain) rejected += 1;
      }
      // The mutations must reach the schema's checks, not only fields it ignores.
      expect(rejected).toBeGreaterThan(50);
    },
  );

  it("reports a hand-broken plan file as not matching the schema, naming zod's first issue", () => {
    const root = tempWorkspace();
    compile(root);
    const file = path.join(root, "millrace-agents", "state", "compiled_plan.json");
    const plan = JSON.parse(readFileSync(file, "utf8"));
    plan.resolved_assets[0].content_sha256 = 42;
    writeFileSync(file, JSON.stringify(plan));
    const read = readCompiledPlan(root);
    const expected = CompiledRunPlanSchema.safeParse(plan);
    expect(expected.success).toBe(false);
    expect(read.plan).toBeUndefined();
    expect(read.plan === undefined && read.reason).toBe(
      `millrace-agents/state/compiled_plan.json does not match the plan schema (${expected.error?.issues[0]?.message})`,
    );
  });
});
