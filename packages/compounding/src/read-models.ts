// The light door `@millrace/compounding/read-models`: what read-only views (`runs show`) need,
// without loading the stores, selection, lint or skills code.
export { readSelectionArtifacts, SELECTION_ARTIFACT_FOLDER } from "./usage/selection-artifact.js";
