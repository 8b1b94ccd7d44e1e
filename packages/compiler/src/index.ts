export { type AssetFile, type AssetOrigin, AssetSource, PACKAGED_PREFIX } from "./asset-source.js";
export { type CompileInput, type CompileOutput, compileMode, KNOWN_RUNNER_NAMES } from "./compile.js";
export {
  assetSourceFor,
  type CompileOptions,
  type CompileResult,
  type CurrentnessOptions,
  compileError,
  compilePlan,
  ensureCompiledPlan,
  planCurrentness,
  requireCurrentPlan,
} from "./compiler.js";
export { changedConfigKeys } from "./currentness.js";
export {
  CLOSURE_ENTRYPOINT_SECTIONS,
  ENTRYPOINT_SECTIONS,
  type EntrypointLintFinding,
  type EntrypointLintTarget,
  lintEntrypoint,
  lintEntrypoints,
} from "./entrypoint-lint.js";
export { assetsFingerprint, planId, structuralConfigFingerprint } from "./fingerprints.js";
export {
  exportCompiledGraphs,
  GRAPH_FORMATS,
  type GraphFormat,
  renderDot,
  renderGraph,
  renderMermaid,
} from "./graph-export.js";
export { type CompileIssue, formatIssue, type Severity } from "./issues.js";
export { DEFAULT_TIMEOUT_SECONDS, materializeNode } from "./materialize.js";
export { listModes, type ModeListing, showMode } from "./mode-catalog.js";
export { loadCompiledPlan, type PlanReadResult, readCompiledPlan } from "./plan-store.js";
