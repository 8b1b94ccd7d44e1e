import { z } from "zod";
import { CONTROL_EVENT_PAYLOADS } from "./runtime-events/control-events.js";
import { LIFECYCLE_EVENT_PAYLOADS } from "./runtime-events/lifecycle-events.js";
import { STAGE_EVENT_PAYLOADS } from "./runtime-events/stage-events.js";

/**
 * The runtime events Millrace writes to `logs/runtime_events.jsonl`: every event name and the shape
 * of its `data`, declared once (in `runtime-events/*.ts`). Writers are strict (an undeclared name is
 * refused, and in strict mode the payload is checked too); readers stay tolerant and use
 * `RuntimeEventSchema`, so logs written by older or newer versions remain readable.
 *
 * Payload schemas are built on first use, one event at a time, and kept: checking a name (what
 * every writer does) builds none, so importing the contracts does not pay for ~90 schemas.
 */

/** Every declared runtime event: name → a function that builds the shape of its `data`. */
export const RUNTIME_EVENT_PAYLOADS = {
  ...LIFECYCLE_EVENT_PAYLOADS,
  ...STAGE_EVENT_PAYLOADS,
  ...CONTROL_EVENT_PAYLOADS,
} as const;

type Payloads = typeof RUNTIME_EVENT_PAYLOADS;

export type RuntimeEventName = keyof Payloads;

/** Every declared event name, in declaration order. */
export const RUNTIME_EVENT_NAMES = Object.keys(RUNTIME_EVENT_PAYLOADS) as RuntimeEventName[];

/** The event names queue interventions write. */
export type InterventionEventName =
  | "work_item_cancelled"
  | "blocked_task_archived"
  | "task_superseded"
  | "task_dependency_retargeted"
  | "incident_resolved_by_operator"
  | "incident_cancelled"
  | "invalid_incident_artifact_archived";

/** The schema of one declared event's `data`. */
export type RuntimeEventPayloadSchema<N extends RuntimeEventName> = ReturnType<Payloads[N]>;

/** The `data` of one declared event. */
export type RuntimeEventData<N extends RuntimeEventName> = z.output<RuntimeEventPayloadSchema<N>>;

/** A runtime event as code produces it: a declared name and its payload. */
export type TypedRuntimeEvent = {
  [N in RuntimeEventName]: { event_type: N; data: RuntimeEventData<N> };
}[RuntimeEventName];

const DECLARED = new Set<string>(RUNTIME_EVENT_NAMES);

/** True for a declared runtime event name. Builds no schema. */
export function isRuntimeEventName(name: string): name is RuntimeEventName {
  return DECLARED.has(name);
}

const built = new Map<RuntimeEventName, z.ZodType>();

/** The schema of a declared event's `data`, built on the first call for that name and kept. */
export function runtimeEventPayloadSchema<N extends RuntimeEventName>(name: N): RuntimeEventPayloadSchema<N> {
  let schema = built.get(name);
  if (schema === undefined) {
    if (!isRuntimeEventName(name)) throw new Error(`runtime event ${JSON.stringify(name)} is not declared`);
    schema = RUNTIME_EVENT_PAYLOADS[name]();
    built.set(name, schema);
  }
  return schema as RuntimeEventPayloadSchema<N>;
}

let union: z.ZodType<TypedRuntimeEvent> | undefined;

/**
 * The discriminated union of declared events (`event_type` + `data`), for a reader that wants to
 * check a whole event of any name. Built on the first call (it builds every payload schema), then kept.
 */
export function typedRuntimeEventSchema(): z.ZodType<TypedRuntimeEvent> {
  if (union === undefined) {
    const members = RUNTIME_EVENT_NAMES.map((name) =>
      z.strictObject({ event_type: z.literal(name), data: runtimeEventPayloadSchema(name) }),
    );
    union = z.discriminatedUnion(
      "event_type",
      members as unknown as [(typeof members)[number], ...(typeof members)[number][]],
    ) as unknown as z.ZodType<TypedRuntimeEvent>;
  }
  return union;
}

/** How many payload schemas have been built so far (tests pin that checking names builds none). */
export function builtRuntimeEventSchemaCount(): number {
  return built.size;
}
