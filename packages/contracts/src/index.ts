export * from "./assets.js";
export * from "./cli-output.js";
export * from "./closure.js";
export * from "./compiled-plan.js";
export * from "./config.js";
export * from "./enums.js";
export * from "./errors.js";
export * from "./ids.js";
export * from "./json.js";
export * from "./json-schema.js";
export * from "./learning.js";
export * from "./legality.js";
export * from "./mailbox.js";
export * from "./queue-records.js";
export * from "./read-models.js";
export * from "./runtime-error.js";
export {
  type InterventionEventName,
  isRuntimeEventName,
  RUNTIME_EVENT_NAMES,
  RUNTIME_EVENT_PAYLOADS,
  type RuntimeEventData,
  type RuntimeEventName,
  type TypedRuntimeEvent,
  TypedRuntimeEventSchema,
} from "./runtime-events.js";
export * from "./scripted.js";
export * from "./stage-run.js";
export * from "./time.js";
export * from "./work-documents.js";
export * from "./workspace-state.js";
