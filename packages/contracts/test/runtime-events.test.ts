import { beforeEach, describe, expect, it, vi } from "vitest";

// Every zod factory call (z.string(), z.strictObject(), …) made through the `z` namespace is
// counted, so the test sees whether importing a module or checking a name builds schemas.
const calls = vi.hoisted(() => ({ count: 0 }));
vi.mock("zod", async (importOriginal) => {
  const actual = await importOriginal<typeof import("zod")>();
  const z = new Proxy(actual.z, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.count += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { ...actual, z };
});

type EventsModule = typeof import("../src/runtime-events.js");

/** A fresh copy of the runtime-events module, its dependencies (enums, queue records, …) already loaded. */
async function freshEvents(): Promise<{ events: EventsModule; importCalls: number }> {
  vi.resetModules();
  await Promise.all([
    import("../src/enums.js"),
    import("../src/liveness.js"),
    import("../src/queue-records.js"),
    import("../src/stage-run.js"),
  ]);
  calls.count = 0;
  const events = await import("../src/runtime-events.js");
  return { events, importCalls: calls.count };
}

describe("runtime event payload schemas are built on first use", () => {
  beforeEach(() => {
    calls.count = 0;
  });

  it("importing the event module and checking names builds no schema", async () => {
    const { events, importCalls } = await freshEvents();
    expect(importCalls).toBe(0);
    expect(events.isRuntimeEventName("stage_started")).toBe(true);
    expect(events.isRuntimeEventName("runtime_made_up")).toBe(false);
    expect(events.isRuntimeEventName("constructor")).toBe(false);
    expect(events.RUNTIME_EVENT_NAMES.length).toBeGreaterThan(80);
    expect(calls.count).toBe(0);
    expect(events.builtRuntimeEventSchemaCount()).toBe(0);
  });

  it("importing the whole package builds no payload schema", async () => {
    vi.resetModules();
    const contracts = await import("../src/index.js");
    const events = await import("../src/runtime-events.js");
    expect(contracts.isRuntimeEventName("closure_target_closed")).toBe(true);
    expect(events.builtRuntimeEventSchemaCount()).toBe(0);
  });

  it("builds one event's schema on its first use and keeps it", async () => {
    const { events } = await freshEvents();
    const schema = events.runtimeEventPayloadSchema("closure_target_closed");
    const afterFirst = calls.count;
    expect(afterFirst).toBeGreaterThan(0);
    expect(events.builtRuntimeEventSchemaCount()).toBe(1);
    expect(events.runtimeEventPayloadSchema("closure_target_closed")).toBe(schema);
    expect(calls.count).toBe(afterFirst);
    expect(schema.safeParse({ root_spec_id: "spec-a", run_id: "run-1" }).success).toBe(true);
    expect(schema.safeParse({ root_spec_id: "spec-a" }).success).toBe(false);
    expect(schema.safeParse({ root_spec_id: "spec-a", run_id: "run-1", surprise: 1 }).success).toBe(false);
  });

  it("refuses an undeclared name, including names an object inherits", async () => {
    const { events } = await freshEvents();
    for (const name of ["runtime_made_up", "constructor", "__proto__", "toString"]) {
      expect(() => events.runtimeEventPayloadSchema(name as never)).toThrow(/not declared/);
    }
    expect(events.builtRuntimeEventSchemaCount()).toBe(0);
  });

  it("the union is built once, from the same per-event schemas, and gives the same verdicts", async () => {
    const { events } = await freshEvents();
    const union = events.typedRuntimeEventSchema();
    expect(events.builtRuntimeEventSchemaCount()).toBe(events.RUNTIME_EVENT_NAMES.length);
    const afterUnion = calls.count;
    expect(events.typedRuntimeEventSchema()).toBe(union);
    expect(calls.count).toBe(afterUnion);
    const good = { event_type: "runtime_tick_paused", data: { pause_sources: ["operator"] } };
    expect(union.safeParse(good).success).toBe(true);
    expect(events.runtimeEventPayloadSchema("runtime_tick_paused").safeParse(good.data).success).toBe(true);
    const bad = { event_type: "runtime_tick_paused", data: { pause_sources: ["nobody"] } };
    expect(union.safeParse(bad).success).toBe(false);
    expect(events.runtimeEventPayloadSchema("runtime_tick_paused").safeParse(bad.data).success).toBe(false);
    expect(union.safeParse({ event_type: "runtime_made_up", data: {} }).success).toBe(false);
  });

  it("every declared payload builds, as an object schema", async () => {
    const { events } = await freshEvents();
    for (const name of events.RUNTIME_EVENT_NAMES) {
      const schema = events.runtimeEventPayloadSchema(name);
      expect(["object", "union"], name).toContain(schema._zod.def.type);
    }
  });
});
