export type { GrantSealer } from "./compile-mode.js";
export { type CompileOptions, type CompileResult, compilePlan } from "./compile-plan.js";
export { compileError, ensureCompiledPlan } from "./ensure-plan.js";
export { exportCompiledGraphs, GRAPH_FORMATS, type GraphFormat, renderGraph } from "./graph-export.js";
export { listModes, showMode } from "./mode-catalog.js";
export { planCurrentness, requireCurrentPlan } from "./plan-currentness.js";
export { loadCompiledPlan } from "./plan-store.js";
