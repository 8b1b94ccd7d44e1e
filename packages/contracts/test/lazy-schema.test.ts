import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  MillraceConfigSchema,
  RuntimeSnapshotSchema,
  renderJsonSchema,
  runtimeEventPayloadSchema,
} from "../src/index.js";
import { lazySchema, realizeLazySchemas, realSchema } from "../src/lazy-schema.js";

function counted<T>(build: () => T): { build: () => T; calls: () => number } {
  let calls = 0;
  return {
    build: () => {
      calls += 1;
      return build();
    },
    calls: () => calls,
  };
}

const inputs: unknown[] = [
  { id: "a", size: 1 },
  { id: "a", size: -1 },
  { id: "", size: 1 },
  { id: "a" },
  { id: "a", size: 1, extra: true },
  null,
  "text",
  [],
];

describe("lazySchema", () => {
  it("builds nothing until first used, then builds once", () => {
    const builder = counted(() => z.strictObject({ id: z.string().min(1), size: z.int().positive() }));
    const schema = lazySchema(builder.build);
    expect(builder.calls()).toBe(0);
    // Nesting a stand-in in another schema does not build it either.
    const outer = z.strictObject({ inner: schema, list: z.array(schema).optional() });
    expect(builder.calls()).toBe(0);
    expect(schema.safeParse({ id: "a", size: 1 }).success).toBe(true);
    expect(outer.safeParse({ inner: { id: "a", size: 2 } }).success).toBe(true);
    schema.parse({ id: "b", size: 3 });
    expect(builder.calls()).toBe(1);
  });

  it("gives the same verdicts, values and issues as the schema it stands for", () => {
    const make = () =>
      z.strictObject({ id: z.string().min(1), size: z.int().positive().default(5) }).describe("a thing");
    const eager = make();
    const lazy = lazySchema(make);
    for (const input of inputs) {
      const a = eager.safeParse(input);
      const b = lazy.safeParse(input);
      expect(b.success).toBe(a.success);
      expect(b.data).toEqual(a.data);
      expect(b.error?.issues).toEqual(a.error?.issues);
    }
    const nestedEager = z.object({ thing: eager.optional() });
    const nestedLazy = z.object({ thing: lazy.optional() });
    for (const input of inputs) {
      const a = nestedEager.safeParse({ thing: input });
      const b = nestedLazy.safeParse({ thing: input });
      expect(b.success).toBe(a.success);
      expect(b.error?.issues).toEqual(a.error?.issues);
    }
  });

  it("behaves as the schema for zod's methods, properties and instanceof", () => {
    const lazy = lazySchema(() => z.strictObject({ id: z.string() }).describe("described"));
    expect(lazy).toBe(lazy);
    expect(lazy instanceof z.ZodObject).toBe(true);
    expect(lazy instanceof z.ZodString).toBe(false);
    expect(Object.keys(lazy.shape)).toEqual(["id"]);
    expect(lazy.description).toBe("described");
    const extended = lazy.extend({ n: z.number() });
    expect(extended.parse({ id: "x", n: 1 })).toEqual({ id: "x", n: 1 });
    expect(lazy.partial().parse({})).toEqual({});
    expect("_zod" in lazy).toBe(true);
    expect(Object.getPrototypeOf(lazy)).toBe(Object.getPrototypeOf(realSchema(lazy)));
    const union = lazySchema(() =>
      z.discriminatedUnion("k", [z.object({ k: z.literal("a") }), z.object({ k: z.literal("b") })]),
    );
    expect(union.parse({ k: "b" })).toEqual({ k: "b" });
    expect(union.safeParse({ k: "c" }).success).toBe(false);
  });

  it("a built schema holds the built schemas of its parts, not their stand-ins", () => {
    const leaf = lazySchema(() => z.string().min(1));
    const list = lazySchema(() => z.array(leaf));
    const outer = lazySchema(() =>
      z.strictObject({ a: leaf, b: list.optional(), c: z.union([leaf, z.number()]) }),
    );
    expect(outer.parse({ a: "x", c: 1 })).toEqual({ a: "x", c: 1 });
    const built = realSchema(outer);
    expect(built.shape.a).toBe(realSchema(leaf));
    expect(built.shape.b.unwrap()).toBe(realSchema(list));
    expect(realSchema(list)._zod.def.element).toBe(realSchema(leaf));
    expect(built.shape.c.options[0]).toBe(realSchema(leaf));
  });

  it("a failing builder fails each use and is tried again", () => {
    let attempts = 0;
    const schema = lazySchema((): z.ZodString => {
      attempts += 1;
      throw new Error("broken builder");
    });
    expect(() => schema.parse("x")).toThrow("broken builder");
    expect(() => schema.parse("x")).toThrow("broken builder");
    expect(attempts).toBe(2);
  });

  it("realizeLazySchemas hands zod's JSON Schema generator the built schemas", () => {
    const leaf = lazySchema(() => z.string().min(1).describe("a leaf"));
    const eagerLeaf = z.string().min(1).describe("a leaf");
    const lazyTree = lazySchema(() => z.strictObject({ a: leaf, b: z.array(leaf), c: leaf.optional() }));
    const eagerTree = z.strictObject({ a: eagerLeaf, b: z.array(eagerLeaf), c: eagerLeaf.optional() });
    expect(z.toJSONSchema(realizeLazySchemas(lazyTree))).toEqual(z.toJSONSchema(eagerTree));
  });

  it("the package's schemas are stand-ins that still parse as before", () => {
    expect(realSchema(MillraceConfigSchema)).not.toBe(MillraceConfigSchema);
    expect(MillraceConfigSchema.parse({}).runtime.default_mode).toBe("default_codex");
    expect(RuntimeSnapshotSchema.safeParse({}).success).toBe(false);
    expect(runtimeEventPayloadSchema("runtime_paused_by_operator").parse({ issuer: "cli" })).toEqual({
      issuer: "cli",
    });
    expect(JSON.parse(renderJsonSchema("millrace-config")).title).toBe("millrace-config");
  });
});

// Counted in a child process against the built package (dist/), with zod's construction hook.
const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "dist");

describe("loading the package", () => {
  it("builds no schema until one is used", () => {
    const script = `
      let built = 0;
      globalThis.__zod_globalConfig = { postProcessor: () => { built += 1; } };
      const contracts = await import(${JSON.stringify(pathToFileURL(path.join(DIST, "index.js")).href)});
      const atLoad = built;
      contracts.MillraceConfigSchema.parse({});
      console.log(JSON.stringify({ atLoad, afterConfig: built }));
    `;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    const counts = JSON.parse(run.stdout) as { atLoad: number; afterConfig: number };
    expect(counts.atLoad).toBe(0);
    expect(counts.afterConfig).toBeGreaterThan(100);
  });
});
